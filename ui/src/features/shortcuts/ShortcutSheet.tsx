import { t } from "../../i18n";
import { Dialog } from "./Dialog";
import { activeKeys, keyLabel } from "./keymap";
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
                  {keys.length === 0
                    ? t("keys.off")
                    : keys.map((key, i) => (
                        <span key={key}>
                          {i > 0 && " / "}
                          <kbd>{keyLabel(key)}</kbd>
                        </span>
                      ))}
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
