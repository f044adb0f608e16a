import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { StructuredValue } from "./StructuredValue";
import { diffDraft, DraftDiff } from "./DraftDiff";

describe("StructuredValue", () => {
  it("shows nested objects as labelled key/value rows, not JSON", () => {
    const { container } = render(
      <StructuredValue value={{ ticket: { id: 42, channel: "email" }, refund_window_open: true, tags: ["a", "b"], history: [{ order: "A-1" }] }} />,
    );
    expect(screen.getByText("Ticket")).toBeInTheDocument();
    expect(screen.getByText("Refund window open")).toBeInTheDocument();
    expect(screen.getByText("Yes")).toBeInTheDocument();
    expect(screen.getByText("email")).toBeInTheDocument();
    expect(screen.getByText("A-1")).toBeInTheDocument();
    expect(container.textContent).not.toContain("{");
  });
});

describe("DraftDiff", () => {
  it("marks words added and removed", () => {
    const parts = diffDraft("It is the best bike.", "It is a great bike.");
    expect(parts.filter((p) => p.removed).map((p) => p.value).join(" ")).toMatch(/the\s+best/);
    const { container } = render(<DraftDiff before="It is the best bike." after="It is a great bike." />);
    expect([...container.querySelectorAll("ins")].map((e) => e.textContent).join("")).toContain("great");
    expect([...container.querySelectorAll("del")].map((e) => e.textContent).join("")).toContain("best");
    expect(screen.getByTestId("diff-stats").textContent).toBe("+2 / −2 words");
  });
  it("says when nothing changed", () => {
    render(<DraftDiff before="same" after="same" />);
    expect(screen.getByTestId("diff-stats").textContent).toBe("No changes");
  });
});
