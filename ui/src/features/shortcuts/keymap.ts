import { t } from "../../i18n";

// The one keymap: App's key handler, the hints on buttons and the shortcut sheet all read this table
// (what each binding does, in words, is the catalogue's `keys.<command>`), as the reviewer remapped it
// (`withOverrides`, kept by ./preference.tsx).

/** What a shortcut does. The item commands act on the open item (ItemView). */
export type ItemCommand = "approve" | "edit" | "reject" | "escalate" | "release";
/** Moving through the open item's body: a page at a time, or from one section heading to the next. */
export type ReadCommand = "pageDown" | "pageUp" | "nextSection" | "previousSection";
/** The inbox's: focus the search box, select rows for a bulk decision, open a related case, open the item's timeline. */
export type DeskCommand = "search" | "select" | "extendDown" | "extendUp" | "openRelated" | "timeline";
export type Command = ItemCommand | ReadCommand | DeskCommand | "next" | "previous" | "undo" | "conflicts" | "theme" | "help" | "confirm" | "close" | "analytics";

export interface Binding {
  command: Command;
  /** KeyboardEvent.key values; "Ctrl+" means Ctrl or ⌘. The first one is the hint on buttons. */
  keys: readonly string[];
  /** Acts outside the review pane too (signed out, conflicts open). */
  global?: boolean;
  /** Handled by the focused panel or text field, not by the window's key handler. */
  inPanel?: boolean;
}

export const KEYMAP: readonly Binding[] = [
  { command: "next", keys: ["j", "ArrowDown"] },
  { command: "previous", keys: ["k", "ArrowUp"] },
  { command: "extendDown", keys: ["J"] },
  { command: "extendUp", keys: ["K"] },
  { command: "select", keys: ["x"] },
  { command: "search", keys: ["/"] },
  { command: "openRelated", keys: ["o"] },
  { command: "pageDown", keys: ["PageDown", " "] },
  { command: "pageUp", keys: ["PageUp"] },
  { command: "nextSection", keys: ["]"] },
  { command: "previousSection", keys: ["["] },
  { command: "approve", keys: ["a"] },
  { command: "edit", keys: ["e"] },
  { command: "reject", keys: ["r"] },
  { command: "escalate", keys: ["s"] },
  { command: "release", keys: ["l"] },
  { command: "undo", keys: ["u", "Ctrl+z"] },
  { command: "conflicts", keys: ["c"], global: true },
  { command: "theme", keys: ["t"], global: true },
  { command: "help", keys: ["?"], global: true },
  { command: "confirm", keys: ["Ctrl+Enter"], inPanel: true },
  { command: "close", keys: ["Escape"], global: true },
  { command: "timeline", keys: ["h"] },
  /** Opens or closes the analytics view (seniors and admins only). */
  { command: "analytics", keys: ["g"], global: true },
];

/** The commands a reviewer may give another key; confirming and closing stay on Ctrl+Enter and Esc. */
export function isRemappable(command: Command): boolean {
  return command !== "confirm" && command !== "close";
}

/** The reviewer's keys, command by command: each replaces the command's first (hinted) key. */
export type KeyOverrides = Partial<Record<Command, string>>;

/** The keymap with the reviewer's keys in place of the defaults. */
export function withOverrides(overrides: KeyOverrides): readonly Binding[] {
  return KEYMAP.map((b) => {
    const key = overrides[b.command];
    if (key === undefined || !isRemappable(b.command)) return b;
    return { ...b, keys: [key, ...b.keys.slice(1).filter((k) => k !== key)] };
  });
}

/** What acts now: the effective bindings and whether single-character keys are on. */
export interface KeySettings {
  bindings: readonly Binding[];
  singleKeys: boolean;
}

export const DEFAULT_KEYS: KeySettings = { bindings: KEYMAP, singleKeys: true };

/** The key a key press is written as in the keymap ("Ctrl+k", "J", "/"), or null for a lone modifier. */
export function keyOf(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey">): string | null {
  if (["Control", "Meta", "Shift", "Alt", "AltGraph", "CapsLock"].includes(e.key)) return null;
  return e.ctrlKey || e.metaKey ? `Ctrl+${e.key.length === 1 ? e.key.toLowerCase() : e.key}` : e.key;
}

/** The command other than `command` that `key` already triggers, if any. */
export function conflictFor(bindings: readonly Binding[], command: Command, key: string): Command | null {
  const same = (a: string, b: string) => (a.startsWith("Ctrl+") && b.startsWith("Ctrl+") ? a.toLowerCase() === b.toLowerCase() : a === b);
  return bindings.find((b) => b.command !== command && b.keys.some((k) => same(k, key)))?.command ?? null;
}

interface Chord {
  key: string;
  ctrl: boolean;
}

function chord(key: string): Chord {
  return key.startsWith("Ctrl+") ? { key: key.slice(5), ctrl: true } : { key, ctrl: false };
}

/**
 * A single printable character with no modifier: what WCAG 2.1.4 (Character Key Shortcuts) lets the
 * reviewer switch off, since speech input and stray key presses trigger them.
 */
export function isCharacterKey(key: string): boolean {
  const c = chord(key);
  return !c.ctrl && c.key.length === 1;
}

/** The binding's keys that act now. */
export function activeKeys(command: Command, keys: KeySettings): string[] {
  const binding = keys.bindings.find((b) => b.command === command);
  return binding ? binding.keys.filter((k) => keys.singleKeys || !isCharacterKey(k)) : [];
}

/** Keys written as symbols; the named ones (Esc, Space, Page Down, Ctrl) come from the catalogue's `keyName.*`. */
const SYMBOLS: Record<string, string> = { ArrowDown: "↓", ArrowUp: "↑" };
const NAMED: Record<string, string> = { Escape: "escape", Enter: "enter", PageDown: "pageDown", PageUp: "pageUp", " ": "space" };

/** "Ctrl+z" → "Ctrl+Z", "ArrowDown" → "↓": how a key is written in hints and the sheet. */
export function keyLabel(key: string): string {
  const c = chord(key);
  const named = NAMED[c.key];
  const shown = SYMBOLS[c.key] ?? (named ? t(`keyName.${named}`) : c.ctrl ? c.key.toUpperCase() : c.key);
  return c.ctrl ? `${t("keyName.ctrl")}+${shown}` : shown;
}

/** The aria-keyshortcuts value of the command's active keys ("Control+Z", "ArrowDown"). */
export function ariaKeys(command: Command, settings: KeySettings): string | undefined {
  const keys = activeKeys(command, settings).map((k) => {
    const c = chord(k);
    return c.ctrl ? `Control+${c.key.length === 1 ? c.key.toUpperCase() : c.key}` : c.key;
  });
  return keys.length ? keys.join(" ") : undefined;
}

function matchesKey(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">, key: string): boolean {
  const c = chord(key);
  if (e.altKey) return false;
  if (c.ctrl) return (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === c.key.toLowerCase();
  return !e.ctrlKey && !e.metaKey && e.key === c.key;
}

/** Whether the event is one of the command's active keys. */
export function matches(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">, command: Command, keys: KeySettings): boolean {
  return activeKeys(command, keys).some((k) => matchesKey(e, k));
}

/**
 * The window-level binding this key press triggers, if any, and whether it acts outside the review
 * pane (a global binding, or a chord with Ctrl, like Ctrl+Z).
 */
export function shortcutFor(
  e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">,
  keys: KeySettings,
): { command: Command; anywhere: boolean } | null {
  for (const binding of keys.bindings) {
    if (binding.inPanel) continue;
    const key = activeKeys(binding.command, keys).find((k) => matchesKey(e, k));
    if (key !== undefined) return { command: binding.command, anywhere: binding.global === true || chord(key).ctrl };
  }
  return null;
}
