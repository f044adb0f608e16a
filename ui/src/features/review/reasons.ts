export interface Reason {
  code: string;
  label: string;
}

const COMMON: Reason[] = [
  { code: "insufficient_evidence", label: "Not enough evidence to accept" },
  { code: "other", label: "Other (explain in the note)" },
];

/** Reject reason codes per item kind: what the reviewer disagrees with. */
export const REASONS: Record<string, Reason[]> = {
  transaction: [
    { code: "false_positive", label: "False positive: legitimate customer activity" },
    { code: "confirmed_fraud", label: "Confirmed fraud: stronger action needed" },
    { code: "wrong_verdict", label: "Wrong verdict for the evidence" },
    { code: "customer_contacted", label: "Customer contacted: outcome differs" },
    ...COMMON,
  ],
  content_draft: [
    { code: "off_brief", label: "Off brief: misses key points or audience" },
    { code: "unsubstantiated_claim", label: "Unsubstantiated or absolute claim" },
    { code: "factual_error", label: "Factual error" },
    { code: "tone_or_brand", label: "Wrong tone or brand voice" },
    { code: "too_long", label: "Over the word limit" },
    ...COMMON,
  ],
  clinical_suggestion: [
    { code: "contraindicated", label: "Contraindicated for this patient" },
    { code: "allergy", label: "Conflicts with a recorded allergy" },
    { code: "interaction", label: "Drug interaction" },
    { code: "wrong_dose", label: "Wrong dose, route or frequency" },
    { code: "not_indicated", label: "Not indicated / different treatment preferred" },
    ...COMMON,
  ],
};

const GENERIC: Reason[] = [
  { code: "incorrect", label: "The AI's output is incorrect" },
  { code: "policy_violation", label: "Violates policy" },
  ...COMMON,
];

export function reasonsFor(kind: string): Reason[] {
  return REASONS[kind] ?? GENERIC;
}

export const ATTESTATION_STATEMENT =
  "I have reviewed this suggestion against the patient's record, checked the contraindications, and take clinical responsibility for this order.";
