// The kinds the fake backend serves as registered (development and tests only): the two kinds that
// exist only as data, defined the way an admin registers them (docs/protocol.md, "Kinds").
import type { KindDefinition, KindList } from "./types";

const REGISTERED_AT = "2026-11-25T08:00:00Z";

const supportReply: KindDefinition = {
  kind: "support_reply",
  revision: 1,
  updated_at: REGISTERED_AT,
  label: "Support reply",
  plural: "Support replies",
  payload_schema: {
    type: "object",
    required: ["ticket", "conversation"],
    properties: {
      ticket: { type: "object", properties: { id: { type: "integer" }, channel: { type: "string" }, opened_at: { type: "string" } } },
      customer: { type: "object" },
      conversation: {
        type: "array",
        items: { type: "object", required: ["author", "text"], properties: { author: { type: "string" }, text: { type: "string" }, at: { type: "string" } } },
      },
    },
  },
  output_schema: {
    type: "object",
    required: ["reply", "action"],
    additionalProperties: false,
    properties: {
      reply: { type: "string", minLength: 1, maxLength: 4000 },
      action: { enum: ["reply_only", "refund_partial", "refund_full", "escalate_to_billing"] },
      amount: { type: "number", minimum: 0, maximum: 1000 },
      close_ticket: { type: "boolean" },
    },
  },
  hints: {
    headline: [
      { pointer: "/payload/ticket/id", label: "Ticket", format: "value" },
      { pointer: "/payload/ticket/opened_at", label: "Opened", format: "date" },
      { pointer: "/ai/output/amount", label: "Refund", format: "money", currency_pointer: "/payload/currency" },
    ],
    sections: [{ pointer: "/payload/conversation", label: "Conversation", format: "conversation" }],
    editable: [{ pointer: "/ai/output/reply", label: "Reply", format: "text" }],
    identifiers: [{ pointer: "/payload/customer/id", label: "Customer", filter: "customer" }],
  },
  reason_codes: [
    { code: "wrong_policy", label: "Applies the wrong policy" },
    { code: "wrong_amount", label: "Wrong refund amount" },
    { code: "tone", label: "Tone is wrong for the customer" },
    { code: "other", label: "Other (explain in the note)" },
  ],
  defaults: { due_in: "1d" },
};

const codeChange: KindDefinition = {
  kind: "code_change",
  revision: 1,
  updated_at: REGISTERED_AT,
  label: "Code change",
  plural: "Code changes",
  payload_schema: {
    type: "object",
    required: ["repository", "intent", "diff"],
    properties: {
      repository: { type: "string" },
      intent: { type: "string" },
      diff: { type: "string", maxLength: 200000 },
      tests: { type: "array", items: { type: "object" } },
    },
  },
  output_schema: {
    type: "object",
    required: ["merge"],
    additionalProperties: false,
    properties: { merge: { type: "boolean" }, risk_notes: { type: "array", items: { type: "string" }, maxItems: 5 } },
  },
  hints: {
    headline: [
      { pointer: "/payload/repository", label: "Repository", format: "value" },
      { pointer: "/payload/branch", label: "Branch", format: "value" },
    ],
    sections: [
      { pointer: "/payload/intent", label: "Stated intent", format: "text" },
      { pointer: "/payload/diff", label: "Change", format: "unified_diff" },
      { pointer: "/payload/tests", label: "Tests it ran", format: "list" },
    ],
    editable: [],
    identifiers: [],
  },
  reason_codes: [
    { code: "breaks_tests", label: "Breaks or skips tests" },
    { code: "does_not_match_intent", label: "Does not do what it says" },
    { code: "security", label: "Security concern" },
    { code: "other", label: "Other (explain in the note)" },
  ],
  defaults: {},
};

/** What `kinds()` answers in the fake. */
export const SAMPLE_KINDS: KindList = { kinds: [supportReply, codeChange] };
