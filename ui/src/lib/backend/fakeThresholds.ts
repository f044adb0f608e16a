import type { RateEstimate, ThresholdReport } from "./types";
import { BackendError } from "./backend";
import type { Me } from "./types";

/** A rate as the queue reports it (Wilson 95% interval), for the fake's sample report. */
function rate(successes: number, trials: number): RateEstimate {
  if (trials < 30) return { status: "not_enough_data", successes, trials, needed: 30 };
  const z = 1.959963984540054;
  const p = successes / trials;
  const centre = (p + (z * z) / (2 * trials)) / (1 + (z * z) / trials);
  const half = (z / (1 + (z * z) / trials)) * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials));
  return { status: "estimated", successes, trials, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The threshold report the fake serves seniors and admins: audits of the fraud model's auto-approvals. */
export function fakeThresholdReport(caller: Me | null): ThresholdReport {
  if (caller?.role !== "senior" && caller?.role !== "admin") {
    throw new BackendError("not_allowed", "statistics are for seniors and admins");
  }
  return {
    grid: [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99],
    error_rates: [
      { kind: "transaction", model: "fraud-v3", band: 0.8, error: rate(6, 80) },
      { kind: "transaction", model: "fraud-v3", band: 0.9, error: rate(1, 240) },
      { kind: "content_draft", model: "writer-2", band: 0.9, error: rate(1, 12) },
    ],
    recommendations: [
      { kind: "transaction", model: "fraud-v3", target_error: 0.02, threshold: 0.9, error: rate(1, 240) },
      { kind: "content_draft", model: "writer-2", target_error: 0.02, threshold: null, error: rate(1, 12) },
    ],
    shadow: [
      { rule: "fraud-auto-above-0.9", route: "auto_approved", agrees_with_live: rate(41, 64), agrees_with_human: rate(9, 10) },
    ],
  };
}
