import type { GoldReport } from "./types";

/** The fake's gold report (docs/protocol.md, "Gold items"): one reviewer with enough answers, below the minimum, and one without. */
export function sampleGoldReport(): GoldReport {
  return {
    rows: [
      {
        reviewer: "ana",
        kind: "transaction",
        team: "fraud",
        accuracy: { status: "estimated", successes: 18, trials: 35, rate: 18 / 35, low: 0.354, high: 0.671 },
        correct: 18,
        incorrect: 17,
        escalated: 2,
        min_accuracy: 0.9,
        below_minimum: true,
      },
      {
        reviewer: "bo",
        kind: "clinical_suggestion",
        team: "clinical",
        accuracy: { status: "not_enough_data", successes: 11, trials: 12, needed: 30 },
        correct: 11,
        incorrect: 1,
        escalated: 0,
        min_accuracy: 0.9,
        below_minimum: false,
      },
    ],
  };
}
