import { activeKeys, keyLabel, type Command } from "./keymap";
import { useKeySettings } from "./preference";

/** Keys as the sheet and the remapping table write them: "j / ↓". */
export function KeyList({ keys }: { keys: readonly string[] }) {
  return keys.map((key, i) => (
    <span key={key}>
      {i > 0 && " / "}
      <kbd>{keyLabel(key)}</kbd>
    </span>
  ));
}

/** The command's first active key as a hint on a button, or nothing when its keys are switched off. */
export function KeyHint({ command }: { command: Command }) {
  const key = activeKeys(command, useKeySettings())[0];
  return key === undefined ? null : <kbd>{keyLabel(key)}</kbd>;
}
