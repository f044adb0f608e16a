import type { Overview, RateEstimate } from "./types";

/** The queue's rule (docs/protocol.md, "Statistics"): no rate below 30 trials, else the Wilson 95% interval. */
function estimate(successes: number, trials: number): RateEstimate {
  if (trials < 30) return { status: "not_enough_data", successes, trials, needed: 30 };
  const z = 1.959963984540054;
  const p = successes / trials;
  const centre = (p + (z * z) / (2 * trials)) / (1 + (z * z) / trials);
  const half = (z / (1 + (z * z) / trials)) * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials));
  return { status: "estimated", successes, trials, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const DAY = 86_400_000;

/** A fixed overview of the fake's three teams over the 14 days before `now`, for development and tests. */
export function sampleOverview(now: number): Overview {
  const teams = ["clinical", "editorial", "fraud"];
  const throughput = Array.from({ length: 14 }, (_, d) => d).flatMap((d) =>
    teams.map((team, i) => ({
      day: new Date(now - (13 - d) * DAY).toISOString().slice(0, 10),
      team,
      decisions: 12 + ((d * 7 + i * 5) % 11) + i * 6,
    })),
  );
  const bands = [
    { band: 0.5, n: 24, agreed: 13, mean: 0.56 },
    { band: 0.6, n: 48, agreed: 31, mean: 0.65 },
    { band: 0.7, n: 96, agreed: 70, mean: 0.75 },
    { band: 0.8, n: 140, agreed: 118, mean: 0.85 },
    { band: 0.9, n: 120, agreed: 113, mean: 0.94 },
  ];
  return {
    since: new Date(now - 30 * DAY).toISOString(),
    server_time: new Date(now).toISOString(),
    throughput,
    queue: [
      { team: "clinical", stage: "review", depth: 7, held: 2, oldest_created_at: new Date(now - 3 * 3600_000).toISOString(), past_due: 1 },
      { team: "fraud", stage: "review", depth: 18, held: 5, oldest_created_at: new Date(now - 5 * 3600_000).toISOString(), past_due: 2 },
      { team: "fraud", stage: "escalation", depth: 3, held: 0, oldest_created_at: new Date(now - 7 * 3600_000).toISOString(), past_due: 1 },
    ],
    sla: [
      { team: "clinical", in_time: estimate(88, 96) },
      { team: "editorial", in_time: estimate(20, 22) },
      { team: "fraud", in_time: estimate(231, 262) },
    ],
    overrides: {
      by_kind: [
        { key: "clinical_suggestion", rate: estimate(21, 96) },
        { key: "content_draft", rate: estimate(6, 22) },
        { key: "transaction", rate: estimate(54, 310) },
      ],
      by_model: [
        { key: "fraud-v3", rate: estimate(54, 310) },
        { key: "medsuggest-2", rate: estimate(21, 96) },
        { key: null, rate: estimate(6, 22) },
      ],
      by_band: bands.map((b) => ({ key: b.band.toFixed(1), rate: estimate(b.n - b.agreed, b.n) })),
    },
    calibration: bands.map((b) => ({ band: b.band, mean_confidence: b.mean, agreement: estimate(b.agreed, b.n) })),
  };
}
