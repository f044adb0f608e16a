import { t } from "../../i18n";
import { Dialog } from "./Dialog";
import { activeKeys } from "./keymap";
import { KeyList } from "./KeyHint";
import { useKeySettings } from "./preference";

export function ShortcutSheet({ onClose }: { onClose(): void }) {
  const keySettings = useKeySettings();
  return (
    <Dialog title={t("keys.title")} onClose={onClose} testId="shortcut-sheet">
      {!keySettings.singleKeys && <p className="muted">{t("keys.singleOff")}</p>}
      <table className="shortcut-table">
        <tbody>
          {keySettings.bindings.map((binding) => {
            const keys = activeKeys(binding.command, keySettings);
            return (
              <tr key={binding.command}>
                <th scope="row">
                  {keys.length === 0 ? t("keys.off") : <KeyList keys={keys} />}
                </th>
                <td>{t(`keys.${binding.command}`)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Dialog>
  );
}
