import type { Item } from "../lib/backend";

/** An item for unit tests: the kind and AI output given, plain values elsewhere, any field overridden. */
export function testItem(kind: string, output: unknown, patch: Partial<Omit<Item, "ai">> = {}, ai: Partial<Item["ai"]> = {}): Item {
  return {
    id: "0192f5a1-0000-7000-8000-000000000001",
    producer: "p",
    created_at: "2026-11-25T12:00:00Z",
    external_id: "x-1",
    kind,
    title: "An item",
    payload: {},
    priority: 50,
    due_at: null,
    callback_url: null,
    route: "review",
    routing_rule: "default: review",
    approvals_required: 1,
    status: "pending",
    outcome: null,
    decisions: [],
    team: null,
    warn_at: null,
    handoff: null,
    signature_required: null,
    blind: false,
    ...patch,
    ai: { output, confidence: 0.5, risk: "low", signals: [], evidence: [], ...ai },
  };
}
