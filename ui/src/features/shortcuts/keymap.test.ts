import { describe, expect, it } from "vitest";
import { activeKeys, ariaKeys, conflictFor, DEFAULT_KEYS, isCharacterKey, KEYMAP, keyLabel, keyOf, matches, shortcutFor, withOverrides, type KeySettings } from "./keymap";

const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey", boolean>> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

const singleOff: KeySettings = { ...DEFAULT_KEYS, singleKeys: false };

describe("keymap", () => {
  it("binds each command once and each key to one command", () => {
    const commands = KEYMAP.map((b) => b.command);
    expect(new Set(commands).size).toBe(commands.length);
    const keys = KEYMAP.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("finds the window shortcut for a key press, and where it acts", () => {
    expect(shortcutFor(key("j"), DEFAULT_KEYS)).toEqual({ command: "next", anywhere: false });
    expect(shortcutFor(key("ArrowUp"), DEFAULT_KEYS)).toEqual({ command: "previous", anywhere: false });
    expect(shortcutFor(key("a"), DEFAULT_KEYS)).toEqual({ command: "approve", anywhere: false });
    expect(shortcutFor(key("z", { ctrlKey: true }), DEFAULT_KEYS)).toEqual({ command: "undo", anywhere: true });
    expect(shortcutFor(key("Z", { metaKey: true }), DEFAULT_KEYS)).toEqual({ command: "undo", anywhere: true });
    expect(shortcutFor(key("c"), DEFAULT_KEYS)).toEqual({ command: "conflicts", anywhere: true });
    expect(shortcutFor(key("?"), DEFAULT_KEYS)).toEqual({ command: "help", anywhere: true });
    // a modifier makes a letter something else; panel keys are not the window's
    expect(shortcutFor(key("a", { ctrlKey: true }), DEFAULT_KEYS)).toBeNull();
    expect(shortcutFor(key("j", { altKey: true }), DEFAULT_KEYS)).toBeNull();
    expect(shortcutFor(key("Enter", { ctrlKey: true }), DEFAULT_KEYS)).toBeNull();
    expect(matches(key("Enter", { ctrlKey: true }), "confirm", DEFAULT_KEYS)).toBe(true);
    expect(matches(key("Enter"), "confirm", DEFAULT_KEYS)).toBe(false);
  });

  it("switches off exactly the single-character shortcuts (WCAG 2.1.4)", () => {
    expect(KEYMAP.flatMap((b) => b.keys).filter(isCharacterKey).sort()).toEqual([" ", "/", "?", "J", "K", "[", "]", "a", "c", "e", "g", "h", "j", "k", "l", "o", "r", "s", "t", "u", "x"]);
    for (const k of ["j", "k", "a", "e", "r", "s", "l", "u", "c", "t", "?", " ", "[", "]", "/", "x", "o", "J", "K", "h", "g"]) expect(shortcutFor(key(k), singleOff)).toBeNull();
    expect(shortcutFor(key("ArrowDown"), singleOff)).toEqual({ command: "next", anywhere: false });
    expect(shortcutFor(key("PageDown"), singleOff)).toEqual({ command: "pageDown", anywhere: false });
    expect(shortcutFor(key("z", { ctrlKey: true }), singleOff)).toEqual({ command: "undo", anywhere: true });
    expect(matches(key("Escape"), "close", singleOff)).toBe(true);
    expect(activeKeys("approve", singleOff)).toEqual([]);
  });

  it("writes keys for people and for assistive technology", () => {
    expect(keyLabel("ArrowDown")).toBe("↓");
    expect(keyLabel("Ctrl+z")).toBe("Ctrl+Z");
    expect(keyLabel("Escape")).toBe("Esc");
    expect(keyLabel(" ")).toBe("Space");
    expect(keyLabel("Ctrl+Enter")).toBe("Ctrl+Enter");
    expect(ariaKeys("undo", DEFAULT_KEYS)).toBe("u Control+Z");
    expect(ariaKeys("undo", singleOff)).toBe("Control+Z");
    expect(ariaKeys("approve", singleOff)).toBeUndefined();
  });

  it("takes the reviewer's keys in place of the defaults, and finds a key's other command", () => {
    const bindings = withOverrides({ approve: "y", next: "n" });
    const keys = { bindings, singleKeys: true };
    expect(shortcutFor(key("y"), keys)).toEqual({ command: "approve", anywhere: false });
    expect(shortcutFor(key("a"), keys)).toBeNull();
    expect(activeKeys("next", keys)).toEqual(["n", "ArrowDown"]);
    expect(ariaKeys("approve", keys)).toBe("y");
    expect(conflictFor(bindings, "reject", "y")).toBe("approve");
    expect(conflictFor(bindings, "reject", "ArrowDown")).toBe("next");
    expect(conflictFor(bindings, "approve", "y")).toBeNull();
    expect(conflictFor(bindings, "reject", "Ctrl+Z")).toBe("undo");
    // Confirming and closing keep their keys whatever is stored.
    expect(activeKeys("close", { bindings: withOverrides({ close: "q" }), singleKeys: true })).toEqual(["Escape"]);
    expect(keyOf({ key: "Shift", ctrlKey: false, metaKey: false })).toBeNull();
    expect(keyOf({ key: "K", ctrlKey: true, metaKey: false })).toBe("Ctrl+k");
    expect(keyOf({ key: "J", ctrlKey: false, metaKey: false })).toBe("J");
  });
});
