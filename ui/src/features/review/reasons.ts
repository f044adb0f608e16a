/** A reject reason: what the reviewer disagrees with. Each kind lists its own (kinds/registry.tsx). */
export interface Reason {
  code: string;
  label: string;
}

/** Offered for every kind, after the kind's own reasons. */
export const COMMON_REASONS: Reason[] = [
  { code: "insufficient_evidence", label: "Not enough evidence to accept" },
  { code: "other", label: "Other (explain in the note)" },
];

/** For kinds without a list of their own. */
export const GENERIC_REASONS: Reason[] = [
  { code: "incorrect", label: "The AI's output is incorrect" },
  { code: "policy_violation", label: "Violates policy" },
  ...COMMON_REASONS,
];
