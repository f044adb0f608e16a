import type {
  AppError,
  AppStatus,
  AssignmentView,
  ConflictRecord,
  DecisionRequest,
  Directory,
  ErrorCode,
  InboxPage,
  InboxQuery,
  IssuedToken,
  QueueHealth,
  KindList,
  NoticeTarget,
  NotificationPreferences,
  RecordedDecision,
  ShiftEnd,
  TokenRequest,
  UserChange,
  UserSummary,
} from "./types";
import type { Action } from "./generated/Action";
import type { BulkDecision } from "./generated/BulkDecision";
import type { BulkOutcome } from "./generated/BulkOutcome";
import type { BulkSkip } from "./generated/BulkSkip";
import type { RelatedCases } from "./generated/RelatedCases";
import type { Overview } from "./generated/Overview";
import type { SavedView } from "./generated/SavedView";
import type { SavedViewCount } from "./generated/SavedViewCount";
import type { SearchPage } from "./generated/SearchPage";
import type { ViewFilter } from "./generated/ViewFilter";
import type { ThresholdReport } from "./generated/ThresholdReport";
import type { ItemStory } from "./generated/ItemStory";
import type { LocalComment } from "./generated/LocalComment";
import type { GoldReport } from "./generated/GoldReport";
import type { BlindReadRequest } from "./generated/BlindReadRequest";
import type { BlindReport } from "./generated/BlindReport";
import type { FatigueReport } from "./generated/FatigueReport";
import type { FatigueSignals } from "./generated/FatigueSignals";

export type Unlisten = () => void;

/** Everything the review interface needs from the desktop core; one method per shell command. */
export interface Backend {
  appStatus(): Promise<AppStatus>;
  listAssignments(query: InboxQuery): Promise<InboxPage>;
  getAssignment(itemId: string): Promise<AssignmentView>;
  decide(itemId: string, input: DecisionRequest): Promise<RecordedDecision>;
  undoDecision(itemId: string): Promise<void>;
  saveDraft(itemId: string, text: string): Promise<void>;
  listConflicts(): Promise<ConflictRecord[]>;
  resolveConflict(id: number): Promise<void>;
  syncNow(): Promise<AppStatus>;
  signIn(server: string, token: string): Promise<AppStatus>;
  signOut(): Promise<AppStatus>;
  useEmbeddedDemo(): Promise<AppStatus>;
  setUndoWindow(seconds: number): Promise<AppStatus>;
  /** Sets the signing PIN on the queue (`current`: the PIN set before) and registers this device's key. */
  setSigningPin(pin: string, current: string | null): Promise<void>;
  /** Admin view (admin tokens only): users and teams, a user's change, token rotation, queue health. */
  adminDirectory(): Promise<Directory>;
  changeUser(name: string, change: UserChange): Promise<UserSummary>;
  /** The new token is shown once by the caller and kept nowhere. */
  rotateToken(name: string, request: TokenRequest): Promise<IssuedToken>;
  queueHealth(): Promise<QueueHealth>;
  /** How many held items an end of shift would give back now. */
  shiftItems(): Promise<number>;
  endShift(note: string): Promise<ShiftEnd>;
  /** The registered kinds as last synced from the queue (`GET /v1/kinds`, docs/protocol.md "Kinds"). */
  kinds(): Promise<KindList>;
  /**
   * Searches the held items (syntax in README.md); the query's filters and page apply, its sort is
   * replaced by relevance. A malformed text rejects with `invalid_input` and the parser's message.
   */
  search(text: string, query: InboxQuery): Promise<SearchPage>;
  /** Items sharing the item's identifying values: the server's and the held ones, or held ones only. */
  related(itemId: string): Promise<RelatedCases>;
  /** One action on many items, each its own decision; ineligible ones skipped with a reason. */
  decideMany(itemIds: string[], decision: BulkDecision): Promise<BulkOutcome>;
  /** What `decideMany` would skip for `action`, without deciding. */
  bulkEligibility(itemIds: string[], action: Action): Promise<BulkSkip[]>;
  /** The role's builtin views, then the reviewer's own by name, each with its live count. */
  savedViews(): Promise<SavedViewCount[]>;
  saveView(name: string, filter: ViewFilter): Promise<SavedView>;
  deleteView(id: string): Promise<void>;
  /** The item's timeline: the server's history, or the copy kept of it offline, and unsent comments. */
  itemHistory(itemId: string): Promise<ItemStory>;
  /** Queues a comment on a held item (through the outbox, like a decision). */
  comment(itemId: string, text: string): Promise<LocalComment>;
  notificationPreferences(): Promise<NotificationPreferences>;
  setNotificationPreferences(preferences: NotificationPreferences): Promise<NotificationPreferences>;
  /** The analytics overview (seniors: their teams; admins: everything; others `not_allowed`). */
  statsOverview(): Promise<Overview>;
  /** The item is on screen from now: a decision on it reports its time on item (reviewer fatigue). */
  itemOpened(itemId: string): Promise<void>;
  /** The reviewer's own fatigue signals, from the decisions made on this computer. */
  ownFatigue(): Promise<FatigueSignals>;
  /** `GET /v1/stats/fatigue`: seniors see their teams' reviewers, admins everyone. */
  fatigueReport(): Promise<FatigueReport>;
  onStatusChanged(handler: (status: AppStatus) => void): Promise<Unlisten>;
  onInboxChanged(handler: () => void): Promise<Unlisten>;
  /** The reviewer clicked a desktop notification; the shell has brought the window forward. */
  onNoticeClicked(handler: (target: NoticeTarget) => void): Promise<Unlisten>;
  /** The threshold report of audited auto-approvals and shadow rules (seniors and admins). */
  thresholdsReport(): Promise<ThresholdReport>;
  /** Gold accuracy per reviewer and kind (docs/protocol.md, "Gold items"): seniors' teams, or all for an admin. */
  goldStats(): Promise<GoldReport>;
  /** Records the reviewer's own read of an item read blind first; the answer shows the AI's proposal. */
  recordBlindRead(itemId: string, read: BlindReadRequest): Promise<AssignmentView>;
  /** The blind-read report (`GET /v1/stats/blind`): seniors of a team and admins. */
  blindReport(): Promise<BlindReport>;
}

export class BackendError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

// Every code once; `satisfies` fails the typecheck when the Rust enum gains or loses one.
const ERROR_CODES = {
  not_found: true,
  invalid_decision: true,
  already_decided: true,
  not_signed_in: true,
  keyring_unavailable: true,
  server_unreachable: true,
  bad_credential: true,
  last_admin: true,
  not_allowed: true,
  invalid_input: true,
  storage: true,
  internal: true,
  pin_needed: true,
  wrong_pin: true,
  signing_locked: true,
  weak_pin: true,
} satisfies Record<ErrorCode, true>;

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/**
 * Turns whatever a command rejected with into the shell's typed `{code, message}` (an unknown code is
 * `internal`); the UI branches on `code` only, never on the message, which is for people.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof BackendError) return { code: error.code, message: error.message };
  if (error && typeof error === "object" && "code" in error && "message" in error) {
    const { code, message } = error as { code: unknown; message: unknown };
    return { code: isErrorCode(code) ? code : "internal", message: String(message) };
  }
  if (error instanceof Error) return { code: "internal", message: error.message };
  return { code: "internal", message: typeof error === "string" ? error : "Something went wrong." };
}
