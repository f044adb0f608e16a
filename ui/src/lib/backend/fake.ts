import { BackendError, type Backend, type Unlisten } from "./backend";
import { FakeDirectory } from "./fakeAdmin";
import { sampleGoldReport } from "./fakeGold";
import { FakeStories } from "./fakeStory";
import { fakeThresholdReport } from "./fakeThresholds";
import { assignmentFrom, type NewItem, type SampleAssignment } from "./fakeItems";
import { DEMO_KINDS, HOSTILE_SUBMISSION, sampleSubmissions } from "./sampleData";
import { identifiersOf, matchItem, parseSearch } from "./fakeSearch";
import { FakeViews } from "./fakeViews";
import { sampleOverview } from "./fakeStats";
import { freshSignals, sampleFatigueReport } from "./fakeFatigue";
import type { FatigueSignals } from "./generated/FatigueSignals";
import { needsSignOff } from "./signOff";
import { STAGE_ACTIONS } from "./generated/stageActions";
import type { BlindJudgement, BlindReadRequest, BlindReport } from "./types";
import type {
  Action,
  AppStatus,
  AssignmentSummary,
  AssignmentView,
  BulkDecision,
  BulkOutcome,
  BulkSkip,
  BulkSkipReason,
  ConflictRecord,
  DecisionRequest,
  InboxPage,
  InboxQuery,
  Item,
  Me,
  KindList,
  NoticeTarget,
  NotificationPreferences,
  RecordedDecision,
  RelatedCases,
  Risk,
  SavedViewCount,
  SearchHit,
  SearchPage,
  ShiftEnd,
  SignatureEnvelope,
  TokenRequest,
  UserChange,
  ViewFilter,
} from "./types";

export interface FakeOptions {
  /** How many assignments to hold (100,000 works: items are built on demand). */
  count?: number;
  /** Include the item carrying script/HTML-injection payloads first in the list. */
  hostile?: boolean;
  /** Delay before a decision made online is "uploaded"; null = only on flush()/syncNow(). */
  uploadDelayMs?: number | null;
  /** Simulated command latency. */
  latencyMs?: number;
  now?: () => number;
  online?: boolean;
  /** The submissions the queue is made of, reused in turn when `count` is larger than the pool. */
  submissions?: NewItem[];
  /** Signed in to a remote queue as this user instead of the embedded demo's senior. */
  signedInAs?: Me;
  /** The registered kinds it serves (default: the demo fixture's). */
  kinds?: KindList;
}

/** The hostile item's id, fixed so tests and screenshots can find it. */
export const HOSTILE_ITEM_ID = "0192f5a1-dead-7bad-8bad-00000000beef";

/** The signing PIN the fake's user starts with (the embedded demo's, `embedded::DEMO_PIN`). */
export const FAKE_DEMO_PIN = "demo-pin";

/** Signing in with this token makes the fake's user an admin. */
export const FAKE_ADMIN_TOKEN = "admin";

const OFFLINE = "The queue service cannot be reached; decisions are kept and sent later.";

const DEMO_SENIOR: Me = { name: "demo-senior", role: "senior", teams: ["fraud", "editorial", "clinical"], full_name: "Demo Senior" };

const RISK_RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** An in-memory backend with realistic sample work; used by tests and by `npm run dev` in a browser. */
export class FakeBackend implements Backend {
  private readonly summaries: AssignmentSummary[] = [];
  private readonly byId = new Map<string, number>();
  private readonly items = new Map<string, Item>();
  private readonly decisions = new Map<string, RecordedDecision>();
  private readonly drafts = new Map<string, string>();
  /** The reviewer's own reads of items read blind first (the core's `blind_reads`). */
  private readonly blindReads = new Map<string, BlindJudgement>();
  private conflicts: ConflictRecord[] = [];
  private readonly statusListeners = new Set<(s: AppStatus) => void>();
  private readonly inboxListeners = new Set<() => void>();
  private readonly noticeListeners = new Set<(target: NoticeTarget) => void>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private sortedCache: { key: string; version: number; rows: AssignmentSummary[] } | null = null;
  private searchCache: { key: string; version: number; hits: SearchHit[] } | null = null;
  private version = 0;
  private nextMutation = 1;
  private status: AppStatus;
  private pin: string | null = FAKE_DEMO_PIN;
  private preferences: NotificationPreferences = { muted_kinds: [], muted_teams: [], quiet_hours: null };
  private readonly opts: Required<Omit<FakeOptions, "now" | "submissions" | "signedInAs" | "kinds">> & { now: () => number };
  private readonly people = new FakeDirectory();
  private readonly stories = new FakeStories();
  private readonly views = new FakeViews();
  private readonly pool: NewItem[];
  private kindList: KindList;
  /** When the queue was made: items rebuilt on demand must match their summaries. */
  private readonly madeAt: number;
  /** Every command the UI sent, for assertions. */
  readonly calls: { command: string; args: unknown[] }[] = [];
  /** What `ownFatigue` answers; null: a fresh reviewer (`fakeFatigue.ts`). */
  fatigue: FatigueSignals | null = null;

  constructor(options: FakeOptions = {}) {
    this.opts = {
      count: options.count ?? 240,
      hostile: options.hostile ?? false,
      uploadDelayMs: options.uploadDelayMs === undefined ? 1500 : options.uploadDelayMs,
      latencyMs: options.latencyMs ?? 0,
      now: options.now ?? (() => Date.now()),
      online: options.online ?? true,
    };
    const now = this.opts.now();
    this.madeAt = now;
    // The shared demo fixture (./demoFixture.json, exported by the demo generator) is meant to replace
    // the UI's own generator here; fake.test.ts already checks the fake serves it.
    this.pool = options.submissions ?? sampleSubmissions(now);
    this.kindList = options.kinds ?? DEMO_KINDS;
    if (this.opts.hostile) this.add(assignmentFrom(HOSTILE_SUBMISSION, -1, now, HOSTILE_ITEM_ID));
    for (let i = 0; i < this.opts.count; i++) {
      const sample = this.sample(i, now);
      // Keep only the summary for big queues; the item is rebuilt on demand from its index.
      this.add(this.opts.count > 5000 ? { summary: sample.summary, item: undefined } : sample);
    }
    this.status = {
      mode: options.signedInAs ? "remote" : "embedded",
      server: options.signedInAs ? "https://queue.example.org" : "http://127.0.0.1:8470 (embedded)",
      signed_in_as: options.signedInAs ?? DEMO_SENIOR,
      online: this.opts.online,
      pending: 0,
      conflicts: 0,
      last_sync: new Date(now - 40_000).toISOString(),
      last_error: null,
      notifications: { state: "working" },
      // The fake uploads nothing by itself, so it keeps no window: a decision is undoable until synced.
      undo_window_seconds: 0,
    };
    const first = this.summaries[Math.min(3, this.summaries.length - 1)];
    if (first) this.seedConflict(first, now);
  }

  private sample(index: number, now: number): SampleAssignment {
    return assignmentFrom(this.pool[index % this.pool.length]!, index, now);
  }

  private add({ summary, item }: { summary: AssignmentSummary; item: Item | undefined }) {
    this.byId.set(summary.item_id, this.summaries.length);
    this.summaries.push(summary);
    if (item) this.items.set(summary.item_id, item);
  }

  private itemFor(id: string): Item {
    const cached = this.items.get(id);
    if (cached) return cached;
    const index = this.byId.get(id);
    if (index === undefined) throw new BackendError("not_found", "This item is no longer in your queue.");
    const offset = this.opts.hostile ? 1 : 0;
    const item = this.sample(index - offset, this.madeAt).item;
    this.items.set(id, item);
    return item;
  }

  private seedConflict(summary: AssignmentSummary, now: number) {
    const item = this.itemFor(summary.item_id);
    this.conflicts.push({
      id: 1,
      item_id: item.id,
      decision_id: "0192f5a1-0000-7000-8000-00000000c0f1",
      mutation_id: 7,
      code: "decided_elsewhere",
      message: "Another reviewer decided this item while you were offline. Your decision was kept as a late opinion.",
      local_version: {
        action: "approve",
        note: "Customer confirmed by phone.",
        lease_epoch: 2,
        client_time: new Date(now - 3_600_000).toISOString(),
      },
      server_version: {
        title: item.title,
        status: "decided",
        outcome: "rejected",
        decisions: [
          { by: "a.okafor", action: "reject", reason_code: "confirmed_fraud", note: "Cardholder denies the payment.", at: new Date(now - 3_000_000).toISOString() },
        ],
      },
      created_at: new Date(now - 2_900_000).toISOString(),
      resolved_at: null,
    });
    this.status = { ...this.status, conflicts: 1 };
  }

  private async tick<T>(command: string, args: unknown[], f: () => T): Promise<T> {
    this.calls.push({ command, args });
    if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    return f();
  }

  /** New work pulled by a sync round: `count` more items at the top priority, then the inbox event. */
  arrive(count = 1) {
    const now = this.opts.now();
    for (let i = 0; i < count; i++) {
      const { summary, item } = this.sample(this.summaries.length, now);
      this.add({ summary: { ...summary, priority: 1000 }, item: { ...item, priority: 1000 } });
    }
    this.emitInbox();
  }

  /** Tells the UI the inbox changed, as a sync round that pulled or uploaded something does. */
  emitInbox() {
    this.version++;
    for (const l of this.inboxListeners) l();
  }

  private setStatus(patch: Partial<AppStatus>) {
    const pending = [...this.decisions.values()].filter((d) => d.state !== "done").length;
    this.status = { ...this.status, pending, conflicts: this.conflicts.filter((c) => !c.resolved_at).length, ...patch };
    const snapshot = this.status;
    for (const l of this.statusListeners) l(snapshot);
  }

  private requireSignedIn() {
    if (!this.status.signed_in_as) throw new BackendError("not_signed_in", "Sign in to see your queue.");
  }

  private requireAdmin() {
    this.requireSignedIn();
    if (this.status.signed_in_as?.role !== "admin") throw new BackendError("not_allowed", "only an admin may do this");
  }

  // ---- test and dev controls -------------------------------------------------------------------

  /** Simulates losing or regaining the connection to the queue service. */
  setOnline(online: boolean) {
    this.setStatus({ online, last_error: online ? null : OFFLINE });
    if (online) this.scheduleUpload();
  }

  /** Uploads every waiting decision now (when online). */
  flush() {
    if (!this.status.online) return;
    let changed = false;
    for (const d of this.decisions.values()) {
      if (d.state === "done") continue;
      d.state = "done";
      d.result_status = "applied";
      d.mutation_id = this.nextMutation++;
      const i = this.byId.get(d.item_id);
      const s = i === undefined ? undefined : this.summaries[i];
      if (s) s.status = "uploaded";
      changed = true;
    }
    this.setStatus({ last_sync: new Date(this.opts.now()).toISOString() });
    if (changed) this.emitInbox();
  }

  dispose() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private scheduleUpload() {
    if (this.opts.uploadDelayMs === null || !this.status.online) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.flush();
    }, this.opts.uploadDelayMs);
    this.timers.add(t);
  }

  // ---- Backend -----------------------------------------------------------------------------------

  appStatus() {
    return this.tick("app_status", [], () => this.status);
  }

  listAssignments(query: InboxQuery): Promise<InboxPage> {
    return this.tick("list_assignments", [query], () => {
      this.requireSignedIn();
      const key = JSON.stringify({ ...query, offset: 0, limit: 0 });
      let rows: AssignmentSummary[];
      if (this.sortedCache && this.sortedCache.key === key && this.sortedCache.version === this.version) {
        rows = this.sortedCache.rows;
      } else {
        rows = this.summaries.filter((s) => this.inQuery(s, query));
        rows.sort(comparator(query.sort));
        this.sortedCache = { key, version: this.version, rows };
      }
      const counts = { review: 0, escalation: 0, second_approval: 0, audit: 0 };
      for (const s of this.summaries) if (s.status === "open") counts[s.stage]++;
      const limit = Math.min(Math.max(query.limit, 1), 1000);
      return { rows: rows.slice(query.offset, query.offset + limit).map((r) => ({ ...r })), total: rows.length, counts };
    });
  }

  /** The inbox filters of a query (its page and sort aside). */
  private inQuery(s: AssignmentSummary, query: Omit<InboxQuery, "offset" | "limit" | "sort">): boolean {
    const dueBy = query.due_within_minutes === null ? null : this.opts.now() + query.due_within_minutes * 60_000;
    return (
      (query.kind === null || s.kind === query.kind) &&
      (query.stage === null || s.stage === query.stage) &&
      (query.risk === null || s.risk === query.risk) &&
      (query.status === null || s.status === query.status) &&
      (dueBy === null || (s.status === "open" && s.due_at !== null && Date.parse(s.due_at) <= dueBy))
    );
  }

  /** Every matching hit, best first (the sort order breaks ties). */
  private searchAll(text: string, query: Omit<InboxQuery, "offset" | "limit">): SearchHit[] {
    const key = JSON.stringify({ ...query, offset: 0, limit: 0, text });
    if (this.searchCache?.key === key && this.searchCache.version === this.version) return this.searchCache.hits;
    const parsed = parseSearch(text, this.kindList);
    const scored: { hit: SearchHit; score: number }[] = [];
    for (const summary of this.summaries) {
      if (!this.inQuery(summary, query)) continue;
      const match = matchItem(this.itemFor(summary.item_id), parsed, this.kindList);
      if (match) scored.push({ hit: { summary: { ...summary }, title: match.title, excerpt: match.excerpt }, score: match.score });
    }
    const tie = comparator(query.sort);
    scored.sort((a, b) => b.score - a.score || tie(a.hit.summary, b.hit.summary));
    const hits = scored.map((s) => s.hit);
    this.searchCache = { key, version: this.version, hits };
    return hits;
  }

  search(text: string, query: InboxQuery): Promise<SearchPage> {
    return this.tick("search", [text, query], () => {
      this.requireSignedIn();
      const hits = this.searchAll(text, query);
      const limit = Math.min(Math.max(query.limit, 1), 1000);
      return { hits: hits.slice(query.offset, query.offset + limit), total: hits.length };
    });
  }

  /** A held item for a command about it; refused when signed out or not held. */
  private heldItem(itemId: string): Item {
    this.requireSignedIn();
    if (!this.byId.has(itemId)) throw new BackendError("not_found", "This item is no longer in your queue.");
    return this.itemFor(itemId);
  }
  itemHistory(itemId: string) {
    const me = this.status.signed_in_as?.name ?? "you";
    return this.tick("item_history", [itemId], () => this.stories.story(this.heldItem(itemId), me, this.status.online, this.opts.now()));
  }
  comment(itemId: string, text: string) {
    return this.tick("comment", [itemId, text], () => this.stories.comment(this.heldItem(itemId).id, text, this.opts.now()));
  }
  related(itemId: string): Promise<RelatedCases> {
    return this.tick("related", [itemId], () => {
      const own = identifiersOf(this.heldItem(itemId), this.kindList);
      const cases = own.length === 0 ? [] : this.summaries.flatMap((s) => {
        if (s.item_id === itemId) return [];
        const theirs = identifiersOf(this.itemFor(s.item_id), this.kindList);
        const shared = own.filter((o) => theirs.some((t) => t.name === o.name && t.value.toLowerCase() === o.value.toLowerCase()));
        if (shared.length === 0) return [];
        const decision = this.decisions.get(s.item_id);
        return [{ item_id: s.item_id, kind: s.kind, title: s.title, held: true, outcome: decision?.action ?? null, decided_at: decision?.client_time ?? null, shared }];
      });
      return { cases: cases.slice(0, 50), source: this.status.online ? "server" : "held_only" };
    });
  }

  private skipReason(itemId: string, action: Action): BulkSkipReason | null {
    const index = this.byId.get(itemId);
    const summary = index === undefined ? undefined : this.summaries[index];
    if (!summary || summary.removed_reason) return "not_held";
    if (summary.status !== "open" && summary.status !== "rejected") return "already_decided";
    if (summary.stage === "second_approval") return "second_approval";
    if (summary.stage === "audit") return "audit";
    if (action !== "approve") return null;
    return needsSignOff(this.itemFor(itemId)) ? "sign_off" : null;
  }

  bulkEligibility(itemIds: string[], action: Action): Promise<BulkSkip[]> {
    return this.tick("bulk_eligibility", [itemIds, action], () =>
      itemIds.flatMap((item_id) => {
        const reason = this.skipReason(item_id, action);
        return reason ? [{ item_id, reason }] : [];
      }),
    );
  }

  decideMany(itemIds: string[], decision: BulkDecision): Promise<BulkOutcome> {
    return this.tick("decide_many", [itemIds, decision], () => {
      this.requireSignedIn();
      if (decision.action === "approve_with_edits") throw new BackendError("invalid_input", "approve with edits is not a bulk action: edit each item on its own");
      const outcome: BulkOutcome = { decided: [], skipped: [] };
      const eligible: AssignmentSummary[] = [];
      for (const item_id of itemIds) {
        const reason = this.skipReason(item_id, decision.action);
        if (reason) outcome.skipped.push({ item_id, reason });
        else eligible.push(this.summaries[this.byId.get(item_id)!]!);
      }
      if (decision.action === "reject") {
        for (const s of eligible) {
          const codes = this.kindList.kinds.find((k) => k.kind === s.kind)?.reason_codes ?? [];
          if (!codes.some((c) => c.code === decision.reason_code))
            throw new BackendError("invalid_input", `${decision.reason_code ?? "no reason"} is not a reject reason of ${s.kind}`);
        }
      }
      for (const s of eligible) {
        this.record(s, { action: decision.action, correction: null, reason_code: decision.reason_code, note: decision.note, attestation: null, pin: null }, false);
        outcome.decided.push(s.item_id);
      }
      // One inbox change for the whole call, not one per item.
      if (eligible.length) this.announceDecided();
      return outcome;
    });
  }

  /** How many held items a view shows now. */
  private countView(filter: ViewFilter): number {
    if (filter.search === null) return this.summaries.filter((s) => this.inQuery(s, filter)).length;
    try {
      return this.searchAll(filter.search, filter).length;
    } catch {
      return 0;
    }
  }

  savedViews(): Promise<SavedViewCount[]> {
    return this.tick("saved_views", [], () => {
      this.requireSignedIn();
      return this.views.list(this.status.signed_in_as!.role).map((view) => ({ view, count: this.countView(view.filter) }));
    });
  }

  saveView(name: string, filter: ViewFilter) {
    return this.tick("save_view", [name, filter], () => {
      if (filter.search !== null) parseSearch(filter.search, this.kindList);
      return this.views.save(name, filter);
    });
  }

  deleteView(id: string) {
    return this.tick("delete_view", [id], () => this.views.delete(id));
  }

  getAssignment(itemId: string): Promise<AssignmentView> {
    return this.tick("get_assignment", [itemId], () => {
      const index = this.byId.get(itemId);
      const summary = index === undefined ? undefined : this.summaries[index];
      if (!summary) throw new BackendError("not_found", "This item is no longer in your queue.");
      return {
        summary: { ...summary },
        item: this.itemFor(itemId),
        decision: this.decisions.get(itemId) ?? null,
        draft: this.drafts.get(itemId) ?? null,
        actions: STAGE_ACTIONS[summary.stage],
        blind_read: this.blindReads.get(itemId),
      };
    });
  }

  decide(itemId: string, input: DecisionRequest): Promise<RecordedDecision> {
    return this.tick("decide", [itemId, input], () => {
      const index = this.byId.get(itemId);
      const summary = index === undefined ? undefined : this.summaries[index];
      if (!summary) throw new BackendError("not_found", "This item is no longer in your queue.");
      if (summary.status === "decided" || summary.status === "uploaded")
        throw new BackendError("already_decided", "You already decided this item.");
      const item = this.itemFor(itemId);
      if (input.action === "reject" && !input.reason_code?.trim())
        throw new BackendError("invalid_decision", "A rejection needs a reason.");
      if (input.action === "approve_with_edits") {
        if (input.correction === null || input.correction === undefined)
          throw new BackendError("invalid_decision", "Approve with edits needs the corrected output.");
        if (typeof input.correction !== typeof item.ai.output)
          throw new BackendError("invalid_decision", "The correction must have the same shape as the AI output.");
      }
      const signsOff = (input.action === "approve" || input.action === "approve_with_edits") && needsSignOff(item);
      if (signsOff) {
        const payload = item.payload as Record<string, unknown> | null;
        if (payload?.requires_attestation === true && !input.attestation)
          throw new BackendError("invalid_decision", "This item needs your attestation before approval.");
        if (!input.pin) throw new BackendError("pin_needed", "This decision must be signed: enter your signing PIN.");
        if (input.pin !== this.pin) throw new BackendError("wrong_pin", "Wrong signing PIN; 4 more wrong PIN(s) lock signing.");
      }
      return this.record(summary, input, true, signsOff ? this.signature(item) : null);
    });
  }

  /** Keeps a decision (or release) as the store would: pending, then uploaded by the next flush. */
  /** A signature as the core makes one (the fake signs nothing: its `signature` is a placeholder). */
  private signature(item: Item): SignatureEnvelope {
    const me = this.status.signed_in_as;
    return {
      key_id: "fake-key",
      signed_at: new Date(this.opts.now()).toISOString().replace(/\.\d+Z$/, "Z"),
      meaning: item.signature_required?.meaning ?? "approval",
      signer_name: me?.full_name ?? me?.name ?? "",
      content_hash: "",
      signature: "",
    };
  }

  private record(summary: AssignmentSummary, input: DecisionRequest, announce = true, signature: SignatureEnvelope | null = null): RecordedDecision {
    const itemId = summary.item_id;
    const decision: RecordedDecision = {
      decision_id: `0192f5a1-d0d0-7000-8000-${String(this.nextMutation + this.decisions.size).padStart(12, "0")}`,
      item_id: itemId,
      action: input.action,
      correction: input.correction ?? null,
      reason_code: input.reason_code,
      note: input.note,
      attestation: input.attestation,
      client_time: new Date(this.opts.now()).toISOString(),
      mutation_id: null,
      state: "pending",
      result_status: null,
      result_code: null,
      result_message: null,
      // The store computes the patch; the fake keeps the whole correction only.
      patch: null,
      rationale: input.rationale ?? null,
      tags: input.tags ?? [],
      signature,
      blind_judgement: this.blindReads.get(itemId) ?? null,
    };
    this.decisions.set(itemId, decision);
    this.drafts.delete(itemId);
    summary.status = "decided";
    if (announce) this.announceDecided();
    return decision;
  }

  /** The status and inbox events a recorded decision (or a batch of them) brings, and its upload. */
  private announceDecided() {
    this.setStatus({});
    this.emitInbox();
    this.scheduleUpload();
  }

  undoDecision(itemId: string): Promise<void> {
    return this.tick("undo_decision", [itemId], () => {
      const index = this.byId.get(itemId);
      const summary = index === undefined ? undefined : this.summaries[index];
      const decision = this.decisions.get(itemId);
      if (!summary || !decision) throw new BackendError("not_found", "There is no decision to undo.");
      if (decision.state !== "pending")
        throw new BackendError("already_decided", "This decision was already uploaded and can no longer be undone.");
      this.decisions.delete(itemId);
      summary.status = "open";
      this.setStatus({});
      this.emitInbox();
    });
  }

  saveDraft(itemId: string, text: string): Promise<void> {
    return this.tick("save_draft", [itemId, text], () => {
      this.drafts.set(itemId, text);
    });
  }

  listConflicts() {
    return this.tick("list_conflicts", [], () => this.conflicts.filter((c) => !c.resolved_at));
  }

  resolveConflict(id: number) {
    return this.tick("resolve_conflict", [id], () => {
      this.conflicts = this.conflicts.map((c) => (c.id === id ? { ...c, resolved_at: new Date(this.opts.now()).toISOString() } : c));
      this.setStatus({});
    });
  }

  syncNow() {
    return this.tick("sync_now", [], () => {
      if (!this.status.online) {
        this.setStatus({ last_error: OFFLINE });
      } else this.flush();
      return this.status;
    });
  }

  signIn(server: string, token: string) {
    return this.tick("sign_in", [server, token], () => {
      if (!/^https?:\/\/\S+$/.test(server)) throw new BackendError("server_unreachable", "That server address is not a valid http(s) URL.");
      if (!token.trim()) throw new BackendError("bad_credential", "Enter the token your administrator gave you.");
      if (token === "wrong") throw new BackendError("bad_credential", "The server did not accept this token.");
      const me: Me =
        token === FAKE_ADMIN_TOKEN ? { name: "admin", role: "admin", teams: [], full_name: null } : { name: "remote", role: "reviewer", teams: [], full_name: "Remote Reviewer" };
      this.setStatus({ mode: "remote", server, signed_in_as: me });
      this.emitInbox();
      return this.status;
    });
  }

  signOut() {
    return this.tick("sign_out", [], () => {
      this.setStatus({ signed_in_as: null });
      this.emitInbox();
      return this.status;
    });
  }

  useEmbeddedDemo() {
    return this.tick("use_embedded_demo", [], () => {
      this.setStatus({ mode: "embedded", server: "http://127.0.0.1:8470 (embedded)", signed_in_as: DEMO_SENIOR });
      this.emitInbox();
      return this.status;
    });
  }

  setUndoWindow(seconds: number) {
    return this.tick("set_undo_window", [seconds], () => {
      this.setStatus({ undo_window_seconds: seconds });
      return this.status;
    });
  }

  setSigningPin(pin: string, current: string | null) {
    return this.tick("set_signing_pin", [pin, current], () => {
      if (pin.length < 6) throw new BackendError("weak_pin", "a signing PIN has at least 6 characters");
      if (this.pin !== null && current !== this.pin) throw new BackendError("wrong_pin", "wrong signing PIN");
      this.pin = pin;
    });
  }

  adminDirectory() {
    return this.tick("admin_directory", [], () => {
      this.requireAdmin();
      return this.people.directory();
    });
  }

  changeUser(name: string, change: UserChange) {
    return this.tick("change_user", [name, change], () => {
      this.requireAdmin();
      return this.people.change(name, change);
    });
  }

  rotateToken(name: string, request: TokenRequest) {
    return this.tick("rotate_token", [name, request], () => {
      this.requireAdmin();
      return this.people.rotate(name, request.expires_in, this.opts.now());
    });
  }

  itemOpened(itemId: string) {
    return this.tick("item_opened", [itemId], () => {
      this.heldItem(itemId);
    });
  }

  ownFatigue() {
    return this.tick("own_fatigue", [], () => this.fatigue ?? freshSignals(this.opts.now()));
  }

  fatigueReport() {
    return this.tick("fatigue_report", [], () => {
      this.requireSignedIn();
      const role = this.status.signed_in_as?.role;
      if (role !== "senior" && role !== "admin") throw new BackendError("not_allowed", "Only seniors and admins may read the fatigue report.");
      return sampleFatigueReport(this.opts.now());
    });
  }

  queueHealth() {
    return this.tick("queue_health", [], () => {
      this.requireAdmin();
      return this.people.health(this.opts.now());
    });
  }

  statsOverview() {
    return this.tick("stats_overview", [], () => {
      this.requireSignedIn();
      const role = this.status.signed_in_as?.role;
      if (role !== "senior" && role !== "admin") throw new BackendError("not_allowed", "the analytics are for seniors and admins");
      return sampleOverview(this.opts.now());
    });
  }

  goldStats() {
    return this.tick("gold_stats", [], () => sampleGoldReport());
  }

  private undecided() {
    return this.summaries.filter((s) => s.status === "open" || s.status === "rejected");
  }

  shiftItems() {
    return this.tick("shift_items", [], () => this.undecided().length);
  }

  endShift(note: string) {
    return this.tick("end_shift", [note], (): ShiftEnd => {
      this.requireSignedIn();
      if (!note.trim()) throw new BackendError("invalid_input", "a hand-off note is needed: say what the next reviewer should know");
      const waiting = [...this.decisions.values()].filter((d) => d.state !== "done").length;
      const held = this.undecided();
      for (const summary of held) {
        this.record(summary, { action: "release", correction: null, reason_code: null, note: note.trim(), attestation: null, pin: null });
      }
      const online = this.status.online;
      this.flush();
      return {
        released: held.length,
        uploaded: online ? waiting + held.length : 0,
        pending: online ? 0 : waiting + held.length,
        upload_error: online ? null : OFFLINE,
      };
    });
  }

  kinds() {
    return this.tick("kinds", [], () => this.kindList);
  }

  /** A sync round brought new kind definitions (the status event follows, as after any sync). */
  setKinds(kinds: KindList) {
    this.kindList = kinds;
    this.setStatus({ last_sync: new Date(this.opts.now()).toISOString() });
  }

  notificationPreferences() {
    return this.tick("notification_preferences", [], () => structuredClone(this.preferences));
  }

  setNotificationPreferences(preferences: NotificationPreferences) {
    return this.tick("set_notification_preferences", [preferences], () => {
      this.preferences = structuredClone(preferences);
      return structuredClone(this.preferences);
    });
  }

  async onStatusChanged(handler: (status: AppStatus) => void): Promise<Unlisten> {
    this.statusListeners.add(handler);
    return () => this.statusListeners.delete(handler);
  }

  async onInboxChanged(handler: () => void): Promise<Unlisten> {
    this.inboxListeners.add(handler);
    return () => this.inboxListeners.delete(handler);
  }

  async onNoticeClicked(handler: (target: NoticeTarget) => void): Promise<Unlisten> {
    this.noticeListeners.add(handler);
    return () => this.noticeListeners.delete(handler);
  }

  thresholdsReport() {
    return this.tick("thresholds_report", [], () => {
      this.requireSignedIn();
      return fakeThresholdReport(this.status.signed_in_as);
    });
  }

  recordBlindRead(itemId: string, read: BlindReadRequest) {
    return this.tick("record_blind_read", [itemId, read], () => {
      const index = this.byId.get(itemId);
      const summary = index === undefined ? undefined : this.summaries[index];
      if (!summary) throw new BackendError("not_found", "This item is no longer in your queue.");
      if (!this.blindReads.has(itemId)) this.blindReads.set(itemId, { ...read, note: read.note ?? undefined, recorded_at: new Date(this.opts.now()).toISOString() });
      summary.blind_pending = false;
      this.emitInbox();
    }).then(() => this.getAssignment(itemId));
  }
  blindReport() {
    return this.tick("blind_report", [], (): BlindReport => ({ rows: [] }));
  }

  /** Plays the reviewer clicking a desktop notification. */
  clickNotice(target: NoticeTarget) {
    for (const listener of this.noticeListeners) listener(target);
  }
}

/** Code-unit order, as the store's BINARY collation sorts ids. */
function byId(a: AssignmentSummary, b: AssignmentSummary) {
  return a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0;
}

function dueValue(s: AssignmentSummary) {
  return s.due_at ? Date.parse(s.due_at) : Number.POSITIVE_INFINITY;
}

export function comparator(sort: InboxQuery["sort"]) {
  return (a: AssignmentSummary, b: AssignmentSummary): number => {
    if (sort === "due") return dueValue(a) - dueValue(b) || b.priority - a.priority || byId(a, b);
    if (sort === "risk") return RISK_RANK[b.risk] - RISK_RANK[a.risk] || b.priority - a.priority || byId(a, b);
    return b.priority - a.priority || dueValue(a) - dueValue(b) || byId(a, b);
  };
}
