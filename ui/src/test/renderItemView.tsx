import { render, screen } from "@testing-library/react";
import { vi } from "vitest";
import type { AssignmentView, DecisionRequest, Item, KindDefinition } from "../lib/backend";
import { BackendContext } from "../lib/backend/context";
import { FakeBackend } from "../lib/backend/fake";
import { summaryOf } from "../lib/backend/fakeItems";
import { ItemView } from "../features/review/ItemView";
import { KindsProvider } from "../features/review/kinds/KindsContext";
import { STAGE_ACTIONS } from "../lib/backend/generated/stageActions";

/**
 * The item view as the app shows it, inside the kinds the fake serves (`kinds`), once the item's kind
 * is drawn from its hints. Returns the decision callback and the fake.
 */
export async function renderHintedItem(item: Item, kinds: KindDefinition[], now: number) {
  const view: AssignmentView = { item, summary: summaryOf(item, "review", now), decision: null, draft: null, actions: STAGE_ACTIONS.review };
  const onDecide = vi.fn<(itemId: string, request: DecisionRequest) => void>();
  const backend = new FakeBackend({ count: 0, uploadDelayMs: null, kinds: { kinds } });
  render(
    <BackendContext.Provider value={backend}>
      <KindsProvider backend={backend}>
        <ItemView view={view} now={now} onDecide={onDecide} onUndo={() => {}} onOpenRelated={() => {}} error={null} />
      </KindsProvider>
    </BackendContext.Provider>,
  );
  await screen.findByTestId("view-hinted");
  return { onDecide, backend };
}
