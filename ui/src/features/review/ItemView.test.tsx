import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AssignmentView, DecisionRequest } from "../../lib/backend";
import { testItem } from "../../test/testItem";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { summaryOf } from "../../lib/backend/fakeItems";
import { GENERIC_REASONS } from "./reasons";
import { ItemView } from "./ItemView";
import { STAGE_ACTIONS } from "../../lib/backend/generated/stageActions";

const NOW = Date.parse("2026-11-25T12:00:00Z");

function viewOf(kind: string, output: unknown, status: AssignmentView["summary"]["status"] = "open"): AssignmentView {
  const item = testItem(
    kind,
    output,
    { id: "0192f5a1-0000-7000-8000-0000000000a1", created_at: "2026-11-25T11:00:00Z", title: "Refund for a damaged order", payload: { ticket: 42 } },
    { confidence: 0.7, risk: "medium" },
  );
  const decision =
    status === "open"
      ? null
      : { decision_id: "d", item_id: item.id, action: "approve" as const, correction: null, reason_code: null, note: null, attestation: null, client_time: "2026-11-25T11:30:00Z", mutation_id: null, state: "pending" as const, result_status: null, result_code: null, result_message: null, patch: null, rationale: null, tags: [], signature: null, blind_judgement: null };
  return { item, summary: { ...summaryOf(item, "review", NOW), status }, decision, draft: null, actions: STAGE_ACTIONS.review };
}

function renderView(view: AssignmentView) {
  const onDecide = vi.fn<(itemId: string, request: DecisionRequest) => void>();
  const onUndo = vi.fn<(itemId: string) => void>();
  render(
    <BackendContext.Provider value={new FakeBackend({ count: 0, uploadDelayMs: null })}>
      <ItemView view={view} now={NOW} onDecide={onDecide} onUndo={onUndo} onOpenRelated={() => {}} error={null} />
    </BackendContext.Provider>,
  );
  return { onDecide, onUndo };
}

describe("ItemView", () => {
  it("shows the manifest of a signed earlier decision and asks a signature-required approval for the PIN", () => {
    const view = viewOf("support_reply", { reply: "Refunded." });
    view.item.signature_required = { meaning: "approval", signers_team: "clinical" };
    view.item.decisions = [
      {
        by: "ana",
        action: "approve",
        correction: null,
        reason_code: null,
        note: null,
        patch: null,
        rationale: null,
        tags: [],
        at: "2026-11-25T11:10:00Z",
        signature: { signer_name: "Ana Ruiz", signed_at: "2026-11-25T11:09:58Z", meaning: "approval", key_id: "k" },
      },
    ];
    const { onDecide } = renderView(view);
    expect(screen.getByTestId("signature-manifest").textContent).toMatch(/Signed by Ana Ruiz, meaning approval/);
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/PIN/);
    expect(onDecide).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Your signing PIN"), { target: { value: "493817" } });
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ action: "approve", pin: "493817", attestation: null }));
  });

  it("asks for the PIN only while the approval can still be signed", () => {
    const view = viewOf("support_reply", { reply: "Refunded." }, "decided");
    view.item.signature_required = { meaning: "approval", signers_team: null };
    renderView(view);
    // Decided here: no live "I, NAME, sign this decision … at now" statement under the decision.
    expect(screen.queryByTestId("sign-off")).toBeNull();
    expect(screen.queryByLabelText("Your signing PIN")).toBeNull();
  });

  it("shows an unknown kind in the generic view, with the generic reject reasons", () => {
    const { onDecide } = renderView(viewOf("support_reply", { reply: "Refunded." }));
    expect(screen.getByTestId("view-generic")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Reject… r" }));
    const reasons = within(screen.getByRole("listbox", { name: "Reasons" })).getAllByRole("option");
    expect(reasons.map((o) => o.getAttribute("data-code"))).toEqual(GENERIC_REASONS.map((r) => r.code));
    // A rejection needs a reason.
    fireEvent.click(screen.getByRole("button", { name: "Reject" }));
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/Choose a reason/);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(onDecide).not.toHaveBeenCalled();
    fireEvent.change(screen.getByRole("combobox", { name: "Reason" }), { target: { value: "The AI's output" } });
    fireEvent.click(screen.getByRole("button", { name: "Reject" }));
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ action: "reject", reason_code: "incorrect", note: null }));
  });

  it("approves a structured output with edits only when the correction is valid, same-shaped and changed", () => {
    const { onDecide } = renderView(viewOf("support_reply", { reply: "Refunded.", amount: 89.9 }));
    fireEvent.click(screen.getByRole("button", { name: "Approve with edits e" }));
    // Field by field, never raw JSON: the text as text, the number as a number.
    const reply = screen.getByRole("textbox", { name: "Reply" });
    const amount = screen.getByRole("spinbutton", { name: "Amount" });
    expect(document.activeElement).toBe(reply);
    const confirm = () => fireEvent.keyDown(reply, { key: "Enter", ctrlKey: true });
    confirm();
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/Nothing was changed/);
    // A kind the server has not described keeps the AI's shape: an amount that is not a number is refused.
    fireEvent.change(amount, { target: { value: "" } });
    confirm();
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/does not accept the corrected output/);
    expect(amount).toHaveAttribute("aria-invalid", "true");
    expect(document.activeElement).toBe(amount);
    expect(onDecide).not.toHaveBeenCalled();
    fireEvent.change(reply, { target: { value: "Partly refunded." } });
    fireEvent.change(amount, { target: { value: "40" } });
    confirm();
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ action: "approve_with_edits", correction: { reply: "Partly refunded.", amount: 40 } }));
    fireEvent.keyDown(reply, { key: "Escape" });
    expect(screen.queryByRole("textbox", { name: "Reply" })).toBeNull();
  });

  it("shows a decision waiting to upload, with undo, and no decision buttons that act", () => {
    const { onDecide, onUndo } = renderView(viewOf("transaction", { verdict: "block" }, "decided"));
    expect(screen.getByTestId("decided-banner").textContent).toMatch(/Saved on this device, waiting to upload/);
    fireEvent.click(screen.getByRole("button", { name: "Undo u" }));
    expect(onUndo).toHaveBeenCalledWith("0192f5a1-0000-7000-8000-0000000000a1");
    expect(screen.getByRole("button", { name: "Accept: Block a" })).toBeDisabled();
    expect(onDecide).not.toHaveBeenCalled();
  });
});
