import { activeKeys, keyLabel, type Command } from "./keymap";
import { useSingleKeys } from "./preference";

/** The command's first active key as a hint on a button, or nothing when its keys are switched off. */
export function KeyHint({ command }: { command: Command }) {
  const key = activeKeys(command, useSingleKeys())[0];
  return key === undefined ? null : <kbd>{keyLabel(key)}</kbd>;
}
