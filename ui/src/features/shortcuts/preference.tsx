import { createContext, useCallback, useContext, useId, useState } from "react";
import { isCharacterKey, KEYMAP, keyLabel } from "./keymap";
import { t } from "../../i18n";

const STORAGE_KEY = "countersign.singleKeyShortcuts";

/** Whether single-character shortcuts (j, k, a, r…) act; on unless the reviewer switched them off. */
export const SingleKeysContext = createContext(true);

export function useSingleKeys(): boolean {
  return useContext(SingleKeysContext);
}

/** The reviewer's choice, remembered across restarts (WCAG 2.1.4: character key shortcuts can be turned off). */
export function useSingleKeysPreference(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => {
    try {
      return localStorage.getItem(STORAGE_KEY) !== "off";
    } catch {
      return true;
    }
  });
  const set = useCallback((next: boolean) => {
    setOn(next);
    try {
      localStorage.setItem(STORAGE_KEY, next ? "on" : "off");
    } catch {
      // storage may be unavailable; the choice then lasts for the session
    }
  }, []);
  return [on, set];
}

const CHARACTER_KEYS = KEYMAP.flatMap((b) => b.keys.filter(isCharacterKey).map(keyLabel)).join(", ");

/** The Settings dialog's keyboard section. */
export function ShortcutSettings({ singleKeys, onChange }: { singleKeys: boolean; onChange(on: boolean): void }) {
  const id = useId();
  return (
    <section className="shortcut-settings" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t("keys.keyboard")}</h3>
      <label className="attest">
        <input type="checkbox" data-testid="single-key-shortcuts" checked={singleKeys} onChange={(e) => onChange(e.target.checked)} />
        <span>{t("keys.singleKeys", { keys: CHARACTER_KEYS })}</span>
      </label>
      <p className="muted small">
        {t("keys.singleKeysHelp")}
      </p>
    </section>
  );
}
