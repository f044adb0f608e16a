import { createContext, useCallback, useContext, useId, useMemo, useState } from "react";
import { DEFAULT_KEYS, isCharacterKey, KEYMAP, keyLabel, withOverrides, type KeyOverrides, type KeySettings } from "./keymap";
import { t } from "../../i18n";
import { KeyRemap } from "./KeyRemap";

const STORAGE_KEY = "countersign.singleKeyShortcuts";
const OVERRIDES_KEY = "countersign.keyBindings";

/** The effective bindings and whether single-character shortcuts act (on unless switched off). */
export const KeySettingsContext = createContext<KeySettings>(DEFAULT_KEYS);

export function useKeySettings(): KeySettings {
  return useContext(KeySettingsContext);
}

function stored<T>(key: string, read: (value: string | null) => T, fallback: T): T {
  try {
    return read(localStorage.getItem(key));
  } catch {
    return fallback;
  }
}

function store(key: string, value: string | null) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // storage may be unavailable; the choice then lasts for the session
  }
}

/** A stored map is kept only where it names a known command and a key; anything else is dropped. */
function readOverrides(value: string | null): KeyOverrides {
  if (!value) return {};
  const parsed: unknown = JSON.parse(value);
  if (!parsed || typeof parsed !== "object") return {};
  const out: KeyOverrides = {};
  for (const binding of KEYMAP) {
    const key = (parsed as Record<string, unknown>)[binding.command];
    if (typeof key === "string" && key.length > 0) out[binding.command] = key;
  }
  return out;
}

export interface KeyPreferences {
  keys: KeySettings;
  overrides: KeyOverrides;
  setSingleKeys(on: boolean): void;
  setOverrides(overrides: KeyOverrides): void;
}

/**
 * The reviewer's keyboard choices, remembered across restarts: single-character keys on or off (WCAG
 * 2.1.4: character key shortcuts can be turned off) and the keys they gave commands.
 */
export function useKeyPreferences(): KeyPreferences {
  const [singleKeys, setOn] = useState(() => stored(STORAGE_KEY, (v) => v !== "off", true));
  const [overrides, setOverridesState] = useState<KeyOverrides>(() => stored(OVERRIDES_KEY, readOverrides, {}));
  const setSingleKeys = useCallback((next: boolean) => {
    setOn(next);
    store(STORAGE_KEY, next ? "on" : "off");
  }, []);
  const setOverrides = useCallback((next: KeyOverrides) => {
    setOverridesState(next);
    store(OVERRIDES_KEY, Object.keys(next).length ? JSON.stringify(next) : null);
  }, []);
  const keys = useMemo(() => ({ bindings: withOverrides(overrides), singleKeys }), [overrides, singleKeys]);
  return { keys, overrides, setSingleKeys, setOverrides };
}

/** The Settings dialog's keyboard section: single keys on or off, then the remapping table. */
export function ShortcutSettings({ preferences }: { preferences: KeyPreferences }) {
  const id = useId();
  const characterKeys = preferences.keys.bindings.flatMap((b) => b.keys.filter(isCharacterKey).map(keyLabel)).join(", ");
  return (
    <section className="shortcut-settings" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t("keys.keyboard")}</h3>
      <label className="attest">
        <input type="checkbox" data-testid="single-key-shortcuts" checked={preferences.keys.singleKeys} onChange={(e) => preferences.setSingleKeys(e.target.checked)} />
        <span>{t("keys.singleKeys", { keys: characterKeys })}</span>
      </label>
      <p className="muted small">{t("keys.singleKeysHelp")}</p>
      <KeyRemap preferences={preferences} />
    </section>
  );
}
