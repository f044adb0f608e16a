// The shell <-> UI contract (the commands and events are mapped in ARCHITECTURE.md; the wire types in
// docs/protocol.md). The types are generated from the Rust types with ts-rs into ./generated (never edit
// that folder); this file only re-exports them.
export type { Action } from "./generated/Action";
export type { AiProposal } from "./generated/AiProposal";
export type { AppError } from "./generated/AppError";
export type { AppStatus } from "./generated/AppStatus";
export type { AssignmentStatus } from "./generated/AssignmentStatus";
export type { AssignmentSummary } from "./generated/AssignmentSummary";
export type { AssignmentView } from "./generated/AssignmentView";
export type { ConflictRecord } from "./generated/ConflictRecord";
export type { DecisionRecord } from "./generated/DecisionRecord";
export type { DecisionRequest } from "./generated/DecisionRequest";
export type { ErrorCode } from "./generated/ErrorCode";
export type { Evidence } from "./generated/Evidence";
export type { InboxPage } from "./generated/InboxPage";
export type { InboxQuery } from "./generated/InboxQuery";
export type { Item } from "./generated/Item";
export type { ItemStatus } from "./generated/ItemStatus";
export type { Me } from "./generated/Me";
export type { Mode } from "./generated/Mode";
export type { MutationStatus } from "./generated/MutationStatus";
export type { NoticeTarget } from "./generated/NoticeTarget";
export type { NotificationPreferences } from "./generated/NotificationPreferences";
export type { Outcome } from "./generated/Outcome";
export type { QuietHours } from "./generated/QuietHours";
export type { RecordedDecision } from "./generated/RecordedDecision";
export type { Risk } from "./generated/Risk";
export type { Role } from "./generated/Role";
export type { Route } from "./generated/Route";
export type { Signal } from "./generated/Signal";
export type { SortOrder } from "./generated/SortOrder";
export type { Stage } from "./generated/Stage";
export type { StageCounts } from "./generated/StageCounts";
