import { t } from "../../i18n";
import { Dialog } from "./Dialog";
import { activeKeys, KEYMAP, keyLabel } from "./keymap";
import { useSingleKeys } from "./preference";

export function ShortcutSheet({ onClose }: { onClose(): void }) {
  const singleKeys = useSingleKeys();
  return (
    <Dialog title={t("keys.title")} onClose={onClose} testId="shortcut-sheet">
      {!singleKeys && <p className="muted">{t("keys.singleOff")}</p>}
      <table className="shortcut-table">
        <tbody>
          {KEYMAP.map((binding) => {
            const keys = activeKeys(binding.command, singleKeys);
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
