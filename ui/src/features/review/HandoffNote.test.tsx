import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "../../lib/format";
import { HandoffNote } from "./HandoffNote";

describe("hand-off note", () => {
  it("shows who left it, when, and the note as text only", () => {
    render(<HandoffNote handoff={{ by: "ana", note: "<b>call back</b> after 9", at: "2026-11-29T17:00:00Z" }} />);
    const note = screen.getByTestId("handoff-note");
    expect(note.textContent).toContain("from ana");
    expect(note.textContent).toContain(formatDateTime("2026-11-29T17:00:00Z"));
    expect(note.textContent).toContain("<b>call back</b> after 9");
    expect(note.querySelector("b")).toBeNull();
  });

  it("is absent when the item has no hand-off", () => {
    const { container } = render(<HandoffNote handoff={null} />);
    expect(container.innerHTML).toBe("");
  });
});
