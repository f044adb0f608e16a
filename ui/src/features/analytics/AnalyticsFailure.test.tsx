import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";

// A section that throws while rendering stands for any failure inside the lazily loaded view (a chunk
// that fails to evaluate, a report the view cannot draw).
vi.mock("./OverviewSection", () => ({
  OverviewSection: () => {
    throw new Error("invalid language tag: C");
  },
}));

describe("analytics view that fails", () => {
  it("says so in place of the view, keeps the rest of the window, and goes back to the inbox", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const backend = new FakeBackend({ count: 3, uploadDelayMs: null });
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("open-analytics"));
    const failed = await screen.findByTestId("view-failed");
    expect(failed.textContent).toContain("The analytics could not be shown.");
    expect(failed.textContent).toContain("invalid language tag: C");
    expect(screen.getByTestId("open-settings")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("view-failed-action"));
    await waitFor(() => expect(screen.queryByTestId("view-failed")).toBeNull());
    expect(await screen.findAllByTestId("inbox-row")).toHaveLength(3);
    quiet.mockRestore();
  });
});
