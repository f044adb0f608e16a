// The shell <-> UI contract (/work/contract/desktop-api.md), written by hand until ts-rs output lands in
// ./generated. Field names are the Rust serde names (snake_case). JSON values are `unknown`.

export type Risk = "low" | "medium" | "high" | "critical";
export type Stage = "review" | "escalation" | "second_approval";
export type AssignmentStatus = "open" | "decided" | "uploaded" | "conflict" | "rejected";
export type Action = "approve" | "approve_with_edits" | "reject" | "escalate" | "release";
export type Role = "producer" | "reviewer" | "senior" | "admin";
export type SortOrder = "priority" | "due" | "risk";
export type Route = "auto_approved" | "review" | "escalation";
export type ItemStatus = "auto_approved" | "pending" | "decided" | "cancelled";
export type Outcome = "approved" | "approved_with_edits" | "rejected";
export type MutationStatus = "applied" | "conflict" | "rejected";

export interface Me {
  name: string;
  role: Role;
}

export interface AppStatus {
  mode: "embedded" | "remote";
  server: string;
  signed_in_as: Me | null;
  online: boolean;
  pending: number;
  conflicts: number;
  last_sync: string | null;
  last_error: string | null;
  notifications: string;
}

export interface InboxQuery {
  kind: string | null;
  stage: Stage | null;
  risk: Risk | null;
  status: AssignmentStatus | null;
  sort: SortOrder;
  offset: number;
  limit: number;
}

export interface StageCounts {
  review: number;
  escalation: number;
  second_approval: number;
}

export interface AssignmentSummary {
  item_id: string;
  kind: string;
  title: string;
  stage: Stage;
  priority: number;
  risk: Risk;
  confidence: number;
  due_at: string | null;
  status: AssignmentStatus;
  status_message: string | null;
  lease_id: string;
  lease_epoch: number;
  lease_expires_at: string;
  removed_reason: string | null;
}

export interface InboxPage {
  rows: AssignmentSummary[];
  total: number;
  counts: StageCounts;
}

export interface Signal {
  name: string;
  value: unknown;
  weight?: number | null;
}

export interface Evidence {
  label: string;
  text: string;
  source?: string | null;
}

export interface AiProposal {
  model?: string | null;
  output: unknown;
  reasoning?: string | null;
  confidence: number;
  risk: Risk;
  signals: Signal[];
  evidence: Evidence[];
}

export interface DecisionRecord {
  by: string;
  action: Action;
  correction: unknown;
  reason_code: string | null;
  note: string | null;
  at: string;
}

export interface Item {
  id: string;
  producer: string;
  created_at: string;
  external_id: string;
  kind: string;
  title: string;
  payload: unknown;
  ai: AiProposal;
  priority: number;
  due_at: string | null;
  callback_url: string | null;
  route: Route;
  routing_rule: string;
  approvals_required: number;
  status: ItemStatus;
  outcome: Outcome | null;
  decisions: DecisionRecord[];
}

export interface RecordedDecision {
  decision_id: string;
  item_id: string;
  action: Action;
  correction: unknown;
  reason_code: string | null;
  note: string | null;
  attestation: unknown;
  client_time: string;
  mutation_id: number | null;
  /** pending, in_flight or done */
  state: string;
  result_status: MutationStatus | null;
  result_code: string | null;
  result_message: string | null;
}

/** The core keeps a structured draft; the contract promised a string. Both are accepted. */
export interface DraftRecord {
  action?: Action | null;
  correction?: unknown;
  reason_code?: string | null;
  note?: string | null;
  attestation?: unknown;
}

export interface AssignmentView {
  summary: AssignmentSummary;
  item: Item;
  decision: RecordedDecision | null;
  draft: string | DraftRecord | null;
}

export interface DecisionRequest {
  action: Action;
  correction: unknown;
  reason_code: string | null;
  note: string | null;
  attestation: string | null;
  credential: string | null;
}

export interface ConflictRecord {
  id: number;
  item_id: string;
  decision_id: string;
  mutation_id: number;
  code: string;
  message: string;
  local_version: unknown;
  server_version: unknown;
  created_at: string;
  resolved_at: string | null;
}

export type ErrorCode =
  | "not_found"
  | "invalid_decision"
  | "already_decided"
  | "not_signed_in"
  | "keyring_unavailable"
  | "server_unreachable"
  | "bad_credential"
  | "storage"
  | "internal";

export interface AppError {
  code: ErrorCode | string;
  message: string;
}
