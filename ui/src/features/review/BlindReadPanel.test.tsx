import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AssignmentView, BlindJudgement, BlindReadRequest, Item } from "../../lib/backend";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { summaryOf } from "../../lib/backend/fakeItems";
import { DEMO_KINDS } from "../../lib/backend/sampleData";
import { STAGE_ACTIONS } from "../../lib/backend/generated/stageActions";
import { testItem } from "../../test/testItem";
import { ItemView } from "./ItemView";
import { KindsProvider } from "./kinds/KindsContext";

const NOW = Date.parse("2026-11-25T12:00:00Z");

/** A clinical suggestion read blind first, as the core hands it over before the read (no proposal). */
function blindView(read?: BlindJudgement): AssignmentView {
  const item: Item = testItem(
    "clinical_suggestion",
    read ? { dose_mg: 40 } : null,
    { blind: true, title: "Dose check", payload: { patient: { ref: "A. Example", weight_kg: 52 }, question: "Enoxaparin dose?" } },
    read ? { risk: "high", confidence: 0.93, reasoning: "within the usual range" } : { risk: "high", confidence: 0.93 },
  );
  const summary = { ...summaryOf(item, "review", NOW), blind_pending: read === undefined };
  return { item, summary, decision: null, draft: null, actions: STAGE_ACTIONS.review, blind_read: read };
}

function renderView(view: AssignmentView, backend = new FakeBackend({ count: 0, uploadDelayMs: null, kinds: DEMO_KINDS })) {
  render(
    <BackendContext.Provider value={backend}>
      <KindsProvider backend={backend}>
        <ItemView view={view} now={NOW} onDecide={() => {}} onUndo={() => {}} onOpenRelated={() => {}} error={null} />
      </KindsProvider>
    </BackendContext.Provider>,
  );
  return backend;
}

describe("blind first read", () => {
  it("shows the case without the AI's judgement and records the reviewer's read by keyboard-reachable controls", async () => {
    const backend = new FakeBackend({ count: 0, uploadDelayMs: null, kinds: DEMO_KINDS });
    const recorded = vi.spyOn(backend, "recordBlindRead").mockImplementation(async (_id: string, _read: BlindReadRequest) => blindView());
    renderView(blindView(), backend);
    const view = screen.getByTestId("item-view");
    expect(view.getAttribute("data-blind")).toBe("pending");
    // The case in the kind's own layout, not as raw data.
    const blindCase = screen.getByTestId("blind-case");
    expect(within(blindCase).getByTestId("view-clinical_suggestion")).toBeInTheDocument();
    expect(blindCase.textContent).toContain("A. Example");
    expect(blindCase.textContent).toContain("52 kg");
    expect(blindCase.textContent).toContain("Enoxaparin dose?");
    expect(within(blindCase).queryByTestId("ai-output")).toBeNull();
    // Nothing of the AI's judgement: no proposal, risk, confidence or decision controls.
    expect(view.textContent).not.toMatch(/93%|high risk|within the usual range/i);
    expect(screen.queryByRole("button", { name: /sign off|approve/i })).toBeNull();

    fireEvent.click(screen.getByTestId("blind-record"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Choose approve or reject first.");
    expect(recorded).not.toHaveBeenCalled();

    fireEvent.click(screen.getByTestId("blind-verdict-reject"));
    fireEvent.click(screen.getByTestId("blind-confidence-4"));
    fireEvent.change(screen.getByTestId("blind-note"), { target: { value: "  too high for her weight " } });
    fireEvent.click(screen.getByRole("button", { name: "Record and reveal the AI's proposal" }));
    await waitFor(() =>
      expect(recorded).toHaveBeenCalledWith(view.getAttribute("data-item-id"), { verdict: "reject", confidence: 4, note: "too high for her weight" }),
    );
  });

  it("after the read, shows what the reviewer said beside the AI's proposal", () => {
    renderView(blindView({ verdict: "reject", confidence: 4, recorded_at: "2026-11-25T11:58:00Z" }));
    expect(screen.getByTestId("item-view").getAttribute("data-blind")).toBeNull();
    expect(screen.getByTestId("blind-said")).toHaveTextContent("You said: reject, confidence 4");
  });
});
