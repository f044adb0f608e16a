import { describe, expect, it } from "vitest";
import { activeKeys, ariaKeys, isCharacterKey, KEYMAP, keyLabel, matches, shortcutFor } from "./keymap";

const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey", boolean>> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe("keymap", () => {
  it("binds each command once and each key to one command", () => {
    const commands = KEYMAP.map((b) => b.command);
    expect(new Set(commands).size).toBe(commands.length);
    const keys = KEYMAP.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("finds the window shortcut for a key press, and where it acts", () => {
    expect(shortcutFor(key("j"), true)).toEqual({ command: "next", anywhere: false });
    expect(shortcutFor(key("ArrowUp"), true)).toEqual({ command: "previous", anywhere: false });
    expect(shortcutFor(key("a"), true)).toEqual({ command: "approve", anywhere: false });
    expect(shortcutFor(key("z", { ctrlKey: true }), true)).toEqual({ command: "undo", anywhere: true });
    expect(shortcutFor(key("Z", { metaKey: true }), true)).toEqual({ command: "undo", anywhere: true });
    expect(shortcutFor(key("c"), true)).toEqual({ command: "conflicts", anywhere: true });
    expect(shortcutFor(key("?"), true)).toEqual({ command: "help", anywhere: true });
    // a modifier makes a letter something else; panel keys are not the window's
    expect(shortcutFor(key("a", { ctrlKey: true }), true)).toBeNull();
    expect(shortcutFor(key("j", { altKey: true }), true)).toBeNull();
    expect(shortcutFor(key("Enter", { ctrlKey: true }), true)).toBeNull();
    expect(matches(key("Enter", { ctrlKey: true }), "confirm")).toBe(true);
    expect(matches(key("Enter"), "confirm")).toBe(false);
  });

  it("switches off exactly the single-character shortcuts (WCAG 2.1.4)", () => {
    expect(KEYMAP.flatMap((b) => b.keys).filter(isCharacterKey).sort()).toEqual([" ", "?", "[", "]", "a", "c", "e", "j", "k", "l", "r", "s", "t", "u"]);
    for (const k of ["j", "k", "a", "e", "r", "s", "l", "u", "c", "t", "?", " ", "[", "]"]) expect(shortcutFor(key(k), false)).toBeNull();
    expect(shortcutFor(key("ArrowDown"), false)).toEqual({ command: "next", anywhere: false });
    expect(shortcutFor(key("PageDown"), false)).toEqual({ command: "pageDown", anywhere: false });
    expect(shortcutFor(key("z", { ctrlKey: true }), false)).toEqual({ command: "undo", anywhere: true });
    expect(matches(key("Escape"), "close", false)).toBe(true);
    expect(activeKeys("approve", false)).toEqual([]);
  });

  it("writes keys for people and for assistive technology", () => {
    expect(keyLabel("ArrowDown")).toBe("↓");
    expect(keyLabel("Ctrl+z")).toBe("Ctrl+Z");
    expect(keyLabel("Escape")).toBe("Esc");
    expect(keyLabel(" ")).toBe("Space");
    expect(keyLabel("Ctrl+Enter")).toBe("Ctrl+Enter");
    expect(ariaKeys("undo", true)).toBe("u Control+Z");
    expect(ariaKeys("undo", false)).toBe("Control+Z");
    expect(ariaKeys("approve", false)).toBeUndefined();
  });
});
