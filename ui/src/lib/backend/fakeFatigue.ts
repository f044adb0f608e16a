// The fake backend's reviewer fatigue (docs/protocol.md, "Reviewer fatigue"): the reviewer's own
// signals (fresh unless a test or `npm run dev` sets others) and a seniors' report of three people.
import type { FatigueReport } from "./generated/FatigueReport";
import type { FatigueSignals } from "./generated/FatigueSignals";

/** A reviewer at the start of a session: nothing to say yet. */
export function freshSignals(now: number): FatigueSignals {
  return {
    verdict: "fresh",
    reasons: [],
    session: {
      started_at: new Date(now - 25 * 60_000).toISOString(),
      seconds: 25 * 60,
      decisions: 18,
      last_decision_at: new Date(now - 60_000).toISOString(),
      breaks: 1,
      last_break_seconds: 15 * 60,
      last_break_ended_at: new Date(now - 25 * 60_000).toISOString(),
    },
    pace: { status: "measured", ratio: 0.95, decisions: 18 },
    streak: { action: "approve", current: 3, longest: 5 },
    under_reading_time: { status: "not_enough_data", successes: 0, trials: 18, needed: 30 },
  };
}

/** Two hours without a break, twice as fast as usual at the end. */
export function fatiguedSignals(now: number): FatigueSignals {
  return {
    verdict: "fatigued",
    reasons: [
      { signal: "faster_than_usual", level: "fatigued", value: 0.38, threshold: 0.4 },
      { signal: "long_session", level: "tiring", value: 130, threshold: 90 },
    ],
    session: {
      started_at: new Date(now - 130 * 60_000).toISOString(),
      seconds: 130 * 60,
      decisions: 96,
      last_decision_at: new Date(now - 30_000).toISOString(),
      breaks: 0,
      last_break_seconds: null,
      last_break_ended_at: null,
    },
    pace: { status: "measured", ratio: 0.38, decisions: 20 },
    streak: { action: "approve", current: 9, longest: 14 },
    under_reading_time: { status: "estimated", successes: 12, trials: 96, rate: 0.125, low: 0.073, high: 0.206 },
  };
}

export function sampleFatigueReport(now: number): FatigueReport {
  const onBreak = freshSignals(now);
  onBreak.session = { ...onBreak.session, started_at: null, seconds: 0, decisions: 0, last_break_ended_at: null };
  return {
    generated_at: new Date(now).toISOString(),
    reviewers: [
      { name: "ana", teams: ["fraud"], signals: fatiguedSignals(now) },
      { name: "ben", teams: ["fraud"], signals: freshSignals(now) },
      { name: "cleo", teams: ["fraud"], signals: onBreak },
    ],
  };
}
