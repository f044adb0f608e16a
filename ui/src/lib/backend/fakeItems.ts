// Turns producer submissions into the in-memory backend's assignments: the queue's routing as the fake
// plays it (development and tests only). Any pool of submissions works, so sample work can come from a
// generator or from a fixture file.
import type { AssignmentSummary, DecisionRecord, Item, Risk, Stage } from "./types";

/**
 * What a producer submits (`NewItem` in docs/protocol.md): an item before the queue gave it an id, a
 * route and a status.
 */
export type NewItem = Pick<Item, "external_id" | "kind" | "title" | "payload" | "ai"> &
  Partial<Pick<Item, "priority" | "due_at" | "callback_url">>;

export interface SampleAssignment {
  summary: AssignmentSummary;
  item: Item;
}

export type Rand = () => number;

/** A small deterministic generator (mulberry32), so the same index always gives the same item. */
export function rng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
export const between = (r: Rand, lo: number, hi: number) => lo + r() * (hi - lo);
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function uuid(n: number): string {
  const hex = (n * 2654435761).toString(16).padStart(12, "0").slice(-12);
  const idx = n.toString(16).padStart(12, "0").slice(-12);
  return `0192f5a1-${idx.slice(0, 4)}-7${idx.slice(4, 7)}-8${idx.slice(7, 10)}-${hex}`;
}

function stageFor(risk: Risk, confidence: number, r: Rand): Stage {
  if (risk === "critical" && r() < 0.3) return "second_approval";
  if (risk === "high" || risk === "critical" || confidence < 0.5) return "escalation";
  return "review";
}

/**
 * The first approval a second approver countersigns: on a structured output with a score, the first
 * approver raised it (so the second approver sees a correction and its diff, the verdict unchanged);
 * otherwise approved as is.
 */
function firstApproval(output: unknown, at: string): DecisionRecord {
  const first = { by: "j.moreau", reason_code: null, note: "Checked against the customer's travel notice.", at, signature: null };
  const score = output !== null && typeof output === "object" ? (output as Record<string, unknown>).score : undefined;
  if (typeof score === "number") {
    const raised = Math.min(0.99, Math.round((score + 0.05) * 100) / 100);
    const patch = [{ op: "replace", path: "/score", value: raised }];
    return { ...first, action: "approve_with_edits", correction: { ...(output as object), score: raised }, patch, rationale: "The device was used with a stolen card last week.", tags: ["device"] };
  }
  return { ...first, action: "approve", correction: null, patch: null, rationale: null, tags: [] };
}

/**
 * Assignment number `index` of the fake's queue, made from `submission` (the pool is reused cyclically
 * for big queues). Deadlines are set relative to `now`, so the countdowns are always live.
 */
export function assignmentFrom(submission: NewItem, index: number, now: number, id = uuid(index + 1)): SampleAssignment {
  const r = rng(index * 7919 + 17);
  const risk = submission.ai.risk;
  const stage = stageFor(risk, submission.ai.confidence, r);
  const due =
    risk === "critical" || r() > 0.15
      ? new Date(now + Math.floor(between(r, risk === "critical" ? -40 : -20, risk === "critical" ? 240 : 3 * 24 * 60)) * 60_000).toISOString()
      : null;
  const copy = Math.floor(index / 20);
  const item: Item = {
    id,
    producer: `${(submission.ai.model ?? "demo").split("-")[0]}-producer`,
    created_at: new Date(now - (index % 240) * 60_000 - 3_600_000).toISOString(),
    external_id: copy > 0 ? `${submission.external_id}-${copy}` : submission.external_id,
    kind: submission.kind,
    title: submission.title,
    payload: submission.payload,
    ai: submission.ai,
    priority: submission.priority ?? 50,
    due_at: due,
    callback_url: submission.callback_url ?? null,
    route: stage === "review" ? "review" : "escalation",
    routing_rule: stage === "review" ? "default: review" : risk === "critical" ? "default: critical risk, two seniors" : "default: escalate high risk or low confidence",
    approvals_required: risk === "critical" ? 2 : 1,
    status: "pending",
    outcome: null,
    decisions:
      stage === "second_approval"
        ? [firstApproval(submission.ai.output, new Date(now - 25 * 60_000).toISOString())]
        : [],
    team: null,
    warn_at: null,
    handoff: null,
    // As the demo policy routes them: a clinical suggestion's approval must be signed.
    signature_required: submission.kind === "clinical_suggestion" ? { meaning: "approval", signers_team: "clinical" } : null,
    // The demo policy reads clinical suggestions blind first; the fake keeps its sample work unblinded
    // so its other stories stay as they were (BlindReadPanel.test.tsx plays a blind item).
    blind: false,
  };
  return { item, summary: summaryOf(item, stage, now) };
}

export function summaryOf(item: Item, stage: Stage, now: number): AssignmentSummary {
  return {
    item_id: item.id,
    kind: item.kind,
    title: item.title,
    stage,
    priority: item.priority,
    risk: item.ai.risk,
    confidence: item.ai.confidence,
    due_at: item.due_at,
    status: "open",
    status_message: null,
    lease_id: item.id.replace(/^0192/, "0193"),
    lease_epoch: 1,
    lease_expires_at: new Date(now + 8 * 3_600_000).toISOString(),
    removed_reason: null,
    blind_pending: item.blind,
  };
}
