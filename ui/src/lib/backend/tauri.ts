import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { BackendError, toAppError, type Backend, type Unlisten } from "./backend";
import { markFirst } from "../marks";
import type { GoldReport } from "./generated/GoldReport";
import type {
  AppStatus,
  AssignmentView,
  ConflictRecord,
  DecisionRequest,
  Directory,
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
import type { BlindReadRequest, BlindReport } from "./types";
import type { Action } from "./generated/Action";
import type { BulkDecision } from "./generated/BulkDecision";
import type { BulkOutcome } from "./generated/BulkOutcome";
import type { BulkSkip } from "./generated/BulkSkip";
import type { RelatedCases } from "./generated/RelatedCases";
import type { Overview } from "./generated/Overview";
import type { ItemStory } from "./generated/ItemStory";
import type { FatigueReport } from "./generated/FatigueReport";
import type { FatigueSignals } from "./generated/FatigueSignals";
import type { LocalComment } from "./generated/LocalComment";
import type { SavedView } from "./generated/SavedView";
import type { SavedViewCount } from "./generated/SavedViewCount";
import type { SearchPage } from "./generated/SearchPage";
import type { ViewFilter } from "./generated/ViewFilter";
import type { ThresholdReport } from "./generated/ThresholdReport";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    const answer = await invoke<T>(command, args);
    markFirst(`ipc:${command}`);
    return answer;
  } catch (error) {
    const { code, message } = toAppError(error);
    throw new BackendError(code, message);
  }
}

/** The real backend: the Tauri shell's commands and events (mapped in ARCHITECTURE.md). */
export class TauriBackend implements Backend {
  appStatus() {
    return call<AppStatus>("app_status");
  }
  async listAssignments(query: InboxQuery) {
    const page = await call<InboxPage>("list_assignments", { query });
    if (page.rows.length > 0) markFirst("ipc:first-rows");
    return page;
  }
  getAssignment(itemId: string) {
    return call<AssignmentView>("get_assignment", { itemId });
  }
  decide(itemId: string, input: DecisionRequest) {
    return call<RecordedDecision>("decide", { itemId, input });
  }
  async undoDecision(itemId: string) {
    await call<null>("undo_decision", { itemId });
  }
  async saveDraft(itemId: string, text: string) {
    await call<null>("save_draft", { itemId, text });
  }
  listConflicts() {
    return call<ConflictRecord[]>("list_conflicts");
  }
  async resolveConflict(id: number) {
    await call<null>("resolve_conflict", { id });
  }
  syncNow() {
    return call<AppStatus>("sync_now");
  }
  signIn(server: string, token: string) {
    return call<AppStatus>("sign_in", { server, token });
  }
  signOut() {
    return call<AppStatus>("sign_out");
  }
  useEmbeddedDemo() {
    return call<AppStatus>("use_embedded_demo");
  }
  setUndoWindow(seconds: number) {
    return call<AppStatus>("set_undo_window", { seconds });
  }
  setSigningPin(pin: string, current: string | null) {
    return call<void>("set_signing_pin", { pin, current });
  }
  adminDirectory() {
    return call<Directory>("admin_directory");
  }
  changeUser(name: string, change: UserChange) {
    return call<UserSummary>("change_user", { name, change });
  }
  rotateToken(name: string, request: TokenRequest) {
    return call<IssuedToken>("rotate_token", { name, request });
  }
  queueHealth() {
    return call<QueueHealth>("queue_health");
  }
  statsOverview() {
    return call<Overview>("stats_overview");
  }

  goldStats() {
    return call<GoldReport>("gold_stats");
  }
  shiftItems() {
    return call<number>("shift_items");
  }
  endShift(note: string) {
    return call<ShiftEnd>("end_shift", { note });
  }
  kinds() {
    return call<KindList>("kinds");
  }
  search(text: string, query: InboxQuery) {
    return call<SearchPage>("search", { text, query });
  }
  related(itemId: string) {
    return call<RelatedCases>("related", { itemId });
  }
  itemHistory(itemId: string) {
    return call<ItemStory>("item_history", { itemId });
  }
  comment(itemId: string, text: string) {
    return call<LocalComment>("comment", { itemId, text });
  }
  itemOpened(itemId: string) {
    return call<void>("item_opened", { itemId });
  }
  ownFatigue() {
    return call<FatigueSignals>("own_fatigue");
  }
  fatigueReport() {
    return call<FatigueReport>("fatigue_report");
  }
  decideMany(itemIds: string[], decision: BulkDecision) {
    return call<BulkOutcome>("decide_many", { itemIds, decision });
  }
  bulkEligibility(itemIds: string[], action: Action) {
    return call<BulkSkip[]>("bulk_eligibility", { itemIds, action });
  }
  savedViews() {
    return call<SavedViewCount[]>("saved_views");
  }
  saveView(name: string, filter: ViewFilter) {
    return call<SavedView>("save_view", { name, filter });
  }
  async deleteView(id: string) {
    await call<null>("delete_view", { id });
  }
  notificationPreferences() {
    return call<NotificationPreferences>("notification_preferences");
  }
  setNotificationPreferences(preferences: NotificationPreferences) {
    return call<NotificationPreferences>("set_notification_preferences", { preferences });
  }
  async onStatusChanged(handler: (status: AppStatus) => void): Promise<Unlisten> {
    return listen<AppStatus>("status-changed", (event) => handler(event.payload));
  }
  async onInboxChanged(handler: () => void): Promise<Unlisten> {
    return listen<null>("inbox-changed", () => handler());
  }
  async onNoticeClicked(handler: (target: NoticeTarget) => void): Promise<Unlisten> {
    return listen<NoticeTarget>("notice-clicked", (event) => handler(event.payload));
  }
  thresholdsReport() {
    return call<ThresholdReport>("thresholds_report");
  }

  recordBlindRead(itemId: string, read: BlindReadRequest) {
    return call<AssignmentView>("record_blind_read", { itemId, read });
  }
  blindReport() {
    return call<BlindReport>("blind_report");
  }
}

export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
