import { useId, useState } from "react";
import { t } from "../../i18n";
import { conflictFor, isRemappable, keyLabel, keyOf, type Command } from "./keymap";
import { KeyList } from "./KeyHint";
import type { KeyPreferences } from "./preference";

/**
 * The remapping table: each command's keys and a button that takes the next key pressed as its new
 * first key. A key another command already has is refused with a message; nothing changes then.
 */
export function KeyRemap({ preferences }: { preferences: KeyPreferences }) {
  const id = useId();
  const [listening, setListening] = useState<Command | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { bindings } = preferences.keys;

  const take = (command: Command, e: React.KeyboardEvent) => {
    if (e.key === "Tab") {
      setListening(null);
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    const key = keyOf(e);
    if (key === null) return;
    setListening(null);
    const other = conflictFor(bindings, command, key);
    if (other) {
      setMessage(`${t("keys.conflict", { key: keyLabel(key) })} ${t(`keys.${other}`)}`);
      return;
    }
    setMessage(`${t("keys.remapped", { key: keyLabel(key) })} ${t(`keys.${command}`)}`);
    preferences.setOverrides({ ...preferences.overrides, [command]: key });
  };

  return (
    <section className="key-remap" aria-labelledby={`${id}-h`} data-testid="key-remap">
      <h4 id={`${id}-h`}>{t("keys.remapTitle")}</h4>
      <p className="muted small">{t("keys.remapHelp")}</p>
      <div role="status" className={message ? "notice" : undefined} data-testid="key-remap-message">
        {message}
      </div>
      <table className="shortcut-table">
        <tbody>
          {bindings
            .filter((b) => isRemappable(b.command))
            .map((b) => (
              <tr key={b.command} data-command={b.command}>
                <th scope="row">
                  <KeyList keys={b.keys} />
                </th>
                <td>{t(`keys.${b.command}`)}</td>
                <td>
                  <button
                    type="button"
                    className="quiet"
                    data-testid={`remap-${b.command}`}
                    aria-pressed={listening === b.command}
                    aria-label={t("keys.changeKeyFor", { command: t(`keys.${b.command}`) })}
                    onClick={() => {
                      setMessage(null);
                      setListening(listening === b.command ? null : b.command);
                    }}
                    onKeyDown={listening === b.command ? (e) => take(b.command, e) : undefined}
                    onBlur={() => setListening((l) => (l === b.command ? null : l))}
                  >
                    {listening === b.command ? t("keys.pressKey") : t("keys.change")}
                  </button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      <button
        type="button"
        data-testid="remap-reset"
        disabled={Object.keys(preferences.overrides).length === 0}
        onClick={() => {
          preferences.setOverrides({});
          setMessage(t("keys.resetDone"));
        }}
      >
        {t("keys.reset")}
      </button>
    </section>
  );
}
