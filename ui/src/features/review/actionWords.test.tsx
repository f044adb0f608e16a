import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AssignmentView, DecisionRequest, Item, Risk } from "../../lib/backend";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { summaryOf } from "../../lib/backend/fakeItems";
import { testItem } from "../../test/testItem";
import { actionWords } from "./actionWords";
import { ItemView } from "./ItemView";
import { describeKind, rendererFor } from "./kinds/registry";
import { STAGE_ACTIONS } from "../../lib/backend/generated/stageActions";

const NOW = Date.parse("2026-11-25T12:00:00Z");

function itemOf(kind: string, output: unknown, risk: Risk = "medium", payload: Record<string, unknown> = {}): Item {
  return testItem(kind, output, { title: "Card payment at an electronics shop", payload }, { risk });
}

function renderItem(item: Item) {
  const view: AssignmentView = { item, summary: summaryOf(item, "review", NOW), decision: null, draft: null, actions: STAGE_ACTIONS.review };
  const onDecide = vi.fn<(itemId: string, request: DecisionRequest) => void>();
  render(
    <BackendContext.Provider value={new FakeBackend({ count: 0, uploadDelayMs: null })}>
      <ItemView view={view} now={NOW} onDecide={onDecide} onUndo={() => {}} onOpenRelated={() => {}} error={null} />
    </BackendContext.Provider>,
  );
  return onDecide;
}

const actionButtons = () => within(screen.getByRole("group", { name: "Actions" })).getAllByRole("button");

describe("decision words", () => {
  it("offers “Accept: Block” first and “Override…” on a transaction the AI proposes to block", () => {
    renderItem(itemOf("transaction", { verdict: "block", score: 0.91 }, "high"));
    const [first] = actionButtons();
    expect(first).toHaveAccessibleName("Accept: Block a");
    expect(first).toHaveClass("primary");
    expect(screen.getByTestId("action-reject")).toHaveAccessibleName("Override… r");
    // Blocking is the cautious choice: no confirmation, even at high risk.
    expect(screen.queryByTestId("ai-caution")).toBeNull();
  });

  it("names each kind's consequence", () => {
    expect(actionWords(itemOf("transaction", { verdict: "allow" })).labels.approve).toBe("Accept: Allow");
    expect(actionWords(itemOf("clinical_suggestion", {}, "low", { requires_attestation: true })).labels.approve).toBe("Sign off");
    expect(actionWords(itemOf("content_draft", "Hello")).labels.approve).toBe("Approve draft");
    expect(actionWords(itemOf("something_new", {})).labels).toEqual({ approve: "Approve", edit: "Approve with edits", reject: "Reject…", escalate: "Escalate…", release: "Release" });
    for (const spec of ["transaction", "content_draft", "clinical_suggestion"].map(rendererFor)) expect(spec?.labels).toBeDefined();
  });

  it("makes the safe action primary and asks before approving what the AI flags as high risk", () => {
    const onDecide = renderItem(itemOf("transaction", { verdict: "allow", score: 0.2 }, "high"));
    const [first] = actionButtons();
    expect(first).toBe(screen.getByTestId("action-reject"));
    expect(first).toHaveClass("primary");
    expect(screen.getByTestId("action-approve")).not.toHaveClass("primary");
    expect(screen.getByTestId("ai-caution").textContent).toMatch(/high risk/);
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(onDecide).not.toHaveBeenCalled();
    const confirm = screen.getByTestId("action-approve-confirm");
    expect(document.activeElement).toBe(confirm);
    // Pressing Approve again does not decide; only the confirmation does.
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(onDecide).not.toHaveBeenCalled();
    fireEvent.click(confirm);
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ action: "approve" }));
  });

  it("treats the AI's own clinical warning as a caution; the sign-off is its confirmation", () => {
    renderItem(itemOf("clinical_suggestion", { suggestion: "Start amoxicillin", warnings: ["Recorded allergy: penicillin"] }, "medium", { requires_attestation: true }));
    expect(screen.getByTestId("ai-caution").textContent).toMatch(/Recorded allergy: penicillin/);
    expect(actionButtons()[0]).toBe(screen.getByTestId("action-reject"));
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(screen.queryByTestId("confirm-panel")).toBeNull();
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/attestation/);
  });

  it("explains risk, confidence and score in one sentence each, from the keyboard", () => {
    renderItem(itemOf("transaction", { verdict: "block", score: 0.91 }));
    for (const about of ["risk", "confidence", "the score"]) {
      const button = screen.getByRole("button", { name: `About ${about}` });
      act(() => button.focus());
      expect(button).toHaveAttribute("aria-expanded", "true");
      const tip = document.getElementById(button.getAttribute("aria-describedby")!)!;
      expect(tip).toBeVisible();
      expect(tip.textContent!.split(/[.;] /).length).toBeLessThanOrEqual(2);
    }
    // Confidence is drawn in one neutral colour with a legend, never in the risk colours.
    const meter = screen.getByRole("meter", { name: "AI confidence" });
    expect(meter.className).toBe("meter");
    expect(screen.getByTestId("confidence-meter").textContent).toMatch(/not risk/);
  });

  it("rejects by number: r, then 1-9, then Enter", () => {
    const onDecide = renderItem(itemOf("transaction", { verdict: "block" }));
    fireEvent.click(screen.getByTestId("action-reject"));
    const field = screen.getByRole("combobox", { name: "Reason" });
    const options = within(screen.getByRole("listbox", { name: "Reasons" })).getAllByRole("option");
    expect(options[1]!.textContent).toMatch(/^2 /);
    fireEvent.keyDown(field, { key: "2" });
    fireEvent.keyDown(field, { key: "Enter" });
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ action: "reject", reason_code: describeKind("transaction").reasons[1]!.code }));
  });

  it("picks the reason a typed word matches (the desktop e2e types “False”)", () => {
    const onDecide = renderItem(itemOf("transaction", { verdict: "block" }));
    fireEvent.click(screen.getByTestId("action-reject"));
    const field = screen.getByRole("combobox", { name: "Reason" });
    fireEvent.change(field, { target: { value: "False" } });
    fireEvent.keyDown(field, { key: "Enter" });
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ reason_code: "false_positive" }));
  });
});
