import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";
import { press, setup } from "../../test/app";

const openSettings = async () => {
  fireEvent.click(screen.getByTestId("open-settings"));
  return within(await screen.findByTestId("key-remap"));
};
const remap = (remapper: ReturnType<typeof within>, command: string, key: string, opts: KeyboardEventInit = {}) => {
  const button = remapper.getByTestId(`remap-${command}`);
  fireEvent.click(button);
  fireEvent.keyDown(button, { key, ...opts });
};

describe("remapping keys", () => {
  it("gives a command a new key, refuses a key another command has, and resets", async () => {
    const backend = await setup();
    let remapper = await openSettings();
    remap(remapper, "approve", "r");
    expect(remapper.getByTestId("key-remap-message").textContent).toMatch(/already the key of another command .*: Reject/);
    remap(remapper, "approve", "y");
    expect(remapper.getByTestId("key-remap-message").textContent).toMatch(/^y is now the key of: Accept/);
    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("settings-dialog")).toBeNull());
    // The button hint, the sheet and the window's handler all take the new key.
    expect(screen.getByTestId("action-approve").textContent).toMatch(/y$/);
    expect(screen.getByTestId("action-approve")).toHaveAttribute("aria-keyshortcuts", "y");
    fireEvent.click(screen.getByTestId("open-shortcuts"));
    const sheet = await screen.findByTestId("shortcut-sheet");
    expect(within(sheet).getAllByRole("row").find((r) => r.textContent?.includes("Accept the AI"))?.querySelector("kbd")?.textContent).toBe("y");
    fireEvent.keyDown(document.body, { key: "Escape" });
    (document.activeElement as HTMLElement | null)?.blur();
    press("a");
    expect(backend.calls.some((c) => c.command === "decide")).toBe(false);
    // Kept across a restart.
    cleanup();
    render(<App backend={new FakeBackend({ count: 5, uploadDelayMs: null })} />);
    await screen.findByRole("article");
    expect(screen.getByTestId("action-approve").textContent).toMatch(/y$/);
    remapper = await openSettings();
    fireEvent.click(remapper.getByTestId("remap-reset"));
    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(screen.getByTestId("action-approve").textContent).toMatch(/a$/));
    expect(localStorage.getItem("countersign.keyBindings")).toBeNull();
  });

  it("ignores a stored map it cannot read", async () => {
    localStorage.setItem("countersign.keyBindings", "{not json");
    await setup();
    expect(screen.getByTestId("action-approve").textContent).toMatch(/a$/);
  });
});
