import type { ReactNode } from "react";
import { KeyHint } from "../shortcuts/KeyHint";
import { ariaKeys, type ItemCommand } from "../shortcuts/keymap";
import { useSingleKeys } from "../shortcuts/preference";

const BUTTONS: { command: ItemCommand; label: string; className?: string; testId: string }[] = [
  { command: "approve", label: "Approve", className: "primary", testId: "action-approve" },
  { command: "edit", label: "Approve with edits", testId: "action-approve-with-edits" },
  { command: "reject", label: "Reject", className: "danger-outline", testId: "action-reject" },
  { command: "escalate", label: "Escalate", testId: "action-escalate" },
  { command: "release", label: "Release", className: "quiet", testId: "action-release" },
];

/** The decision buttons under the item, with the open action panel and the last error above them. */
export function DecisionBar({ decidable, error, onCommand, children }: { decidable: boolean; error: string | null; onCommand(command: ItemCommand): void; children?: ReactNode }) {
  const singleKeys = useSingleKeys();
  return (
    <footer className="action-bar" aria-label="Decision">
      {error && (
        <div className="error-banner" role="alert" data-testid="decision-error">
          {error}
        </div>
      )}
      {children}
      <div className="actions" role="group" aria-label="Actions">
        {BUTTONS.map((b) => (
          <button
            key={b.command}
            type="button"
            className={b.className}
            data-testid={b.testId}
            disabled={!decidable}
            onClick={() => onCommand(b.command)}
            aria-keyshortcuts={ariaKeys(b.command, singleKeys)}
          >
            {b.label} <KeyHint command={b.command} />
          </button>
        ))}
        <span className="spacer" />
        <span className="muted small hint">
          <KeyHint command="next" />/<KeyHint command="previous" /> next/previous
          {singleKeys && (
            <>
              {" · "}
              <KeyHint command="help" /> shortcuts
            </>
          )}
        </span>
      </div>
    </footer>
  );
}
