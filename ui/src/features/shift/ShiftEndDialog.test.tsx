import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";

async function reviewer(online = true) {
  const backend = new FakeBackend({ count: 6, uploadDelayMs: null, online });
  render(<App backend={backend} />);
  await screen.findByRole("article");
  return backend;
}

describe("end shift", () => {
  it("says how many items go back, needs a note, and announces what it did", async () => {
    const backend = await reviewer();
    fireEvent.click(screen.getByTestId("open-shift-end"));
    const dialog = await screen.findByTestId("shift-dialog");
    await waitFor(() => expect(within(dialog).getByTestId("shift-count").textContent).toBe("6 items you hold and have not decided go back to the queue."));
    expect(within(dialog).getByTestId("shift-confirm")).toBeDisabled();
    fireEvent.change(within(dialog).getByTestId("shift-note"), { target: { value: "Card 4417: known customer." } });
    fireEvent.click(within(dialog).getByTestId("shift-confirm"));
    await waitFor(() => expect(screen.queryByTestId("shift-dialog")).toBeNull());
    expect(screen.getByTestId("announcer").textContent).toContain("Shift ended: 6 items handed on, 6 uploaded.");
    expect(backend.calls.find((c) => c.command === "end_shift")?.args).toEqual(["Card 4417: known customer."]);
    expect(await backend.shiftItems()).toBe(0);
  });

  it("offline, says the releases wait to upload", async () => {
    await reviewer(false);
    fireEvent.click(screen.getByTestId("open-shift-end"));
    const dialog = await screen.findByTestId("shift-dialog");
    fireEvent.change(within(dialog).getByTestId("shift-note"), { target: { value: "back at 9" } });
    await act(async () => {
      fireEvent.click(within(dialog).getByTestId("shift-confirm"));
    });
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toContain("Shift ended offline: 6 items handed on; 6 wait to upload"));
  });
});
