import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AssignmentView, DecisionRecord, DecisionRequest, Item, Stage } from "../../lib/backend";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { summaryOf } from "../../lib/backend/fakeItems";
import { DEMO_KINDS } from "../../lib/backend/sampleData";
import { testItem } from "../../test/testItem";
import { CorrectionDiff } from "./CorrectionDiff";
import { fieldChanges, toPatch } from "./hints/fieldChanges";
import { ItemView } from "./ItemView";
import { KindsProvider } from "./kinds/KindsContext";
import { STAGE_ACTIONS } from "../../lib/backend/generated/stageActions";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const aiOutput = { verdict: "block", score: 0.91, reason_codes: ["velocity_24h", "new_device"] };

/** A transaction in the given stage, with the kinds the demo queue registers (the verdict is an enumeration). */
function renderTransaction(stage: Stage, decisions: DecisionRecord[] = []) {
  const item: Item = testItem("transaction", aiOutput, { decisions, approvals_required: stage === "second_approval" ? 2 : 1 }, { risk: "high", confidence: 0.8 });
  const view: AssignmentView = { item, summary: summaryOf(item, stage, NOW), decision: null, draft: null, actions: STAGE_ACTIONS[stage] };
  const onDecide = vi.fn<(itemId: string, request: DecisionRequest) => void>();
  const backend = new FakeBackend({ count: 0, uploadDelayMs: null, kinds: DEMO_KINDS });
  render(
    <BackendContext.Provider value={backend}>
      <KindsProvider backend={backend}>
        <ItemView view={view} now={NOW} onDecide={onDecide} onUndo={() => {}} onOpenRelated={() => {}} error={null} />
      </KindsProvider>
    </BackendContext.Provider>,
  );
  return onDecide;
}

describe("field changes", () => {
  it("names each changed value by its path and makes a patch that replays the edit", () => {
    const edited = { verdict: "allow", score: 0.2, reason_codes: ["velocity_24h"], checked_by: "phone" };
    const changes = fieldChanges(aiOutput, edited);
    expect(changes).toEqual([
      { op: "replace", path: "/verdict", before: "block", after: "allow" },
      { op: "replace", path: "/score", before: 0.91, after: 0.2 },
      { op: "remove", path: "/reason_codes/1", before: "new_device" },
      { op: "add", path: "/checked_by", after: "phone" },
    ]);
    expect(toPatch(changes)).toEqual([
      { op: "replace", path: "/verdict", value: "allow" },
      { op: "replace", path: "/score", value: 0.2 },
      { op: "remove", path: "/reason_codes/1" },
      { op: "add", path: "/checked_by", value: "phone" },
    ]);
    expect(fieldChanges(aiOutput, structuredClone(aiOutput))).toEqual([]);
    expect(fieldChanges({ "a/b": 1 }, { "a/b": 2 })[0]!.path).toBe("/a~1b");
  });

  it("shows a structured correction field by field and a text one word by word", () => {
    const { unmount } = render(<CorrectionDiff before={aiOutput} after={{ ...aiOutput, verdict: "allow", score: 0.2 }} />);
    const rows = within(screen.getByTestId("field-diff")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-path"))).toEqual(["/verdict", "/score"]);
    expect(within(rows[0]!).getByRole("rowheader").textContent).toBe("Verdict");
    expect(rows[1]!.querySelector("del")?.textContent).toBe("0.91");
    expect(rows[1]!.querySelector("ins")?.textContent).toBe("0.2");
    expect(screen.getByTestId("field-diff-stats").textContent).toBe("2 fields changed");
    unmount();
    render(<CorrectionDiff before="We refunded the duplicate payment." after="We refunded the second payment." />);
    const diff = screen.getByTestId("draft-diff");
    expect(diff.querySelector("del")?.textContent).toBe("duplicate");
    expect(diff.querySelector("ins")?.textContent).toBe("second");
  });
});

describe("the structured correction editor", () => {
  it("edits an amount, picks an enumerated value, shows the field diff and sends the version with why and tags", async () => {
    const onDecide = renderTransaction("escalation");
    fireEvent.click(screen.getByTestId("action-approve-with-edits"));
    // The verdict is a select of the kind's enumeration, the score a number.
    const verdict = await screen.findByRole("combobox", { name: "Verdict" });
    expect(within(verdict).getAllByRole("option").map((o) => o.textContent)).toEqual(["Allow", "Step up", "Block"]);
    const score = screen.getByRole("spinbutton", { name: "Score" });
    expect(score).toHaveAttribute("data-pointer", "/score");
    fireEvent.change(verdict, { target: { value: "0" } });
    fireEvent.change(score, { target: { value: "0.25" } });
    const rows = within(screen.getByTestId("field-diff")).getAllByRole("row").slice(1);
    expect(rows.map((r) => [r.getAttribute("data-path"), r.querySelector("del")?.textContent, r.querySelector("ins")?.textContent])).toEqual([
      ["/verdict", "block", "allow"],
      ["/score", "0.91", "0.25"],
    ]);
    fireEvent.change(screen.getByTestId("rationale-field"), { target: { value: "The customer confirmed the purchase." } });
    fireEvent.change(screen.getByTestId("tags-field"), { target: { value: "confirmed, phone, confirmed," } });
    fireEvent.click(screen.getByTestId("action-edit-confirm"));
    expect(onDecide).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({
        action: "approve_with_edits",
        correction: { ...aiOutput, verdict: "allow", score: 0.25 },
        rationale: "The customer confirmed the purchase.",
        tags: ["confirmed", "phone"],
      }),
    );
  });

  it("shows the second approver the first approver's version, its diff and note, and approves that version as it stands", () => {
    const first: DecisionRecord = {
      by: "ana",
      action: "approve_with_edits",
      correction: { ...aiOutput, verdict: "step_up" },
      patch: [{ op: "replace", path: "/verdict", value: "step_up" }],
      reason_code: null,
      note: "Ask the cardholder to confirm first.",
      rationale: "new device, known merchant",
      tags: ["step_up"],
      at: "2026-11-25T11:40:00Z",
      signature: null,
    };
    const onDecide = renderTransaction("second_approval", [first]);
    const panel = screen.getByTestId("second-approval");
    expect(within(panel).getAllByRole("heading")[0]!.textContent).toBe("You are countersigning ana's version");
    expect(within(panel).getByTestId("first-note").textContent).toContain("Ask the cardholder to confirm first.");
    expect(within(panel).getByTestId("first-rationale").textContent).toBe("new device, known merchant");
    const rows = within(within(panel).getByTestId("field-diff")).getAllByRole("row").slice(1);
    expect(rows.map((r) => [r.getAttribute("data-path"), r.querySelector("del")?.textContent, r.querySelector("ins")?.textContent])).toEqual([["/verdict", "block", "step_up"]]);
    // No version of their own and no escalation: approve or reject the first one (Stage::actions).
    expect(screen.queryByTestId("action-approve-with-edits")).toBeNull();
    expect(screen.queryByTestId("action-escalate")).toBeNull();
    expect(screen.getByTestId("action-reject")).toBeEnabled();
    // The buttons speak of that version; approving a downgrade of what the AI flags asks to confirm.
    expect(screen.getByTestId("action-approve").textContent).toMatch(/Step up/);
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(onDecide).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("action-approve-confirm"));
    expect(onDecide).toHaveBeenCalledTimes(1);
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ action: "approve", correction: null }));
  });
});
