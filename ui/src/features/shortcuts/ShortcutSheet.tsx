import { Dialog } from "./Dialog";

export const GLOBAL_SHORTCUTS: [string, string][] = [
  ["j / ↓", "Next item"],
  ["k / ↑", "Previous item"],
  ["a", "Approve"],
  ["e", "Approve with edits (drafts: focus the editor; Ctrl+Enter approves)"],
  ["r", "Reject: choose a reason, Enter confirms"],
  ["s", "Escalate to a senior: Ctrl+Enter confirms"],
  ["l", "Release back to the queue"],
  ["u / Ctrl+Z", "Undo the last decision (until it is uploaded)"],
  ["c", "Conflicts"],
  ["t", "Toggle light / dark theme"],
  ["?", "This sheet"],
  ["Esc", "Close a panel or dialog; leave a text field"],
];

export function ShortcutSheet({ onClose }: { onClose(): void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} testId="shortcut-sheet">
      <table className="shortcut-table">
        <tbody>
          {GLOBAL_SHORTCUTS.map(([k, label]) => (
            <tr key={k}>
              <th scope="row">
                {k.split(" / ").map((part, i) => (
                  <span key={part}>
                    {i > 0 && " / "}
                    <kbd>{part}</kbd>
                  </span>
                ))}
              </th>
              <td>{label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
