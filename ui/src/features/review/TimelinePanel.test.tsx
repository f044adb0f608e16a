import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { COMMENT_MAX_CHARS } from "../../lib/backend";
import { openId, press, setup } from "../../test/app";

const entries = () => within(screen.getByTestId("timeline-panel")).queryAllByTestId("timeline-entry");

describe("the item's timeline", () => {
  it("h opens it with the item's story, typed, the routing rule named", async () => {
    const backend = await setup();
    expect(screen.getByTestId("timeline-panel").getAttribute("data-open")).toBe("false");
    (document.activeElement as HTMLElement | null)?.blur();
    press("h");
    const panel = screen.getByTestId("timeline-panel");
    await waitFor(() => expect(panel.getAttribute("data-open")).toBe("true"));
    const item = (await backend.getAssignment(openId()!)).item;
    const decided = item.decisions.map(() => "decide");
    await waitFor(() => expect(entries().map((e) => e.getAttribute("data-action"))).toEqual(["submit", "route", "assign", ...decided]));
    expect(entries()[1]!.textContent).toContain(`by rule ${item.routing_rule}`);
    expect(backend.calls.some((c) => c.command === "item_history" && c.args[0] === openId())).toBe(true);
    expect(screen.getByRole("heading", { name: new RegExp(`Timeline \\(${3 + decided.length}\\)`) })).toHaveFocus();
  });

  it("a comment is sent from the box, shows pending offline and in the story once uploaded", async () => {
    const backend = await setup();
    await act(async () => backend.setOnline(false));
    fireEvent.click(screen.getByTestId("timeline-toggle"));
    await waitFor(() => expect(screen.getByTestId("timeline-cached")).toBeInTheDocument());
    const field = screen.getByTestId("comment-field");
    const send = screen.getByTestId("comment-send");
    expect(send).toBeDisabled();
    fireEvent.change(field, { target: { value: "@bo same card as yesterday's dispute?" } });
    fireEvent.keyDown(field, { key: "Enter", ctrlKey: true });
    const local = await screen.findByTestId("timeline-comment");
    expect(local.getAttribute("data-state")).toBe("pending");
    expect(local.textContent).toContain("@bo same card as yesterday's dispute?");
    expect((field as HTMLTextAreaElement).value).toBe("");
    expect(backend.calls.filter((c) => c.command === "comment")).toHaveLength(1);

    await act(async () => backend.setOnline(true));
    fireEvent.click(screen.getByTestId("timeline-toggle"));
    fireEvent.click(screen.getByTestId("timeline-toggle"));
    await waitFor(() => expect(entries().map((e) => e.getAttribute("data-action"))).toContain("comment"));
    expect(screen.queryByTestId("timeline-comment")).toBeNull();
    expect(entries().find((e) => e.getAttribute("data-action") === "comment")!.textContent).toContain("same card");
  });

  it("a comment over the limit cannot be sent and says why", async () => {
    const backend = await setup();
    fireEvent.click(screen.getByTestId("timeline-toggle"));
    const field = await screen.findByTestId("comment-field");
    fireEvent.change(field, { target: { value: "x".repeat(COMMENT_MAX_CHARS + 1) } });
    expect(screen.getByTestId("comment-send")).toBeDisabled();
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText(/at most 4,000 characters/)).toBeInTheDocument();
    fireEvent.keyDown(field, { key: "Enter", ctrlKey: true });
    expect(backend.calls.some((c) => c.command === "comment")).toBe(false);
  });
});
