import { useCallback, useEffect, useRef, useState } from "react";
import { toAppError, type Action, type AppError, type AssignmentView, type Backend, type DecisionRequest } from "../../lib/backend";
import { plainError } from "../announce/ErrorNotice";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";
import { actionDoneLabel } from "../../lib/format";
import { t } from "../../i18n";
import type { InboxRow, PagedInbox } from "../inbox/usePagedInbox";

export interface UndoEntry {
  itemId: string;
  title: string;
  action: Action;
}

export interface ReviewSession {
  selectedId: string | null;
  selectedIndex: number;
  view: AssignmentView | null;
  loadingView: boolean;
  error: AppError | null;
  undoStack: UndoEntry[];
  select(itemId: string): void;
  move(delta: number): Promise<void>;
  decide(itemId: string, request: DecisionRequest): Promise<void>;
  undo(itemId?: string): Promise<void>;
  /** Decisions made elsewhere (a bulk decision) join the undo stack, the last one on top. */
  pushUndo(entries: UndoEntry[]): void;
  /** Decisions undone elsewhere ("undo all") leave it. */
  dropUndo(itemIds: string[]): void;
}

/** Item views kept for instant reopening; the oldest go first. */
const VIEW_CACHE_SIZE = 200;
/** Decisions `u` can undo one after another, newest first (each stays undoable from its item too). */
const UNDO_STACK_SIZE = 50;

/**
 * The reviewer's path through the queue: which item is open, deciding it (the next item opens at once,
 * without waiting for the backend or for sync) and undoing decisions that were not uploaded yet.
 */
/** Says something in the app's live region; `undoable` offers to undo the last decision with it. */
/** `decidedAt`: when the undoable decision was recorded (its upload countdown starts there). */
export type Announce = (message: string, undoable?: boolean, decidedAt?: string) => void;

export function useReviewSession(backend: Backend, inbox: PagedInbox, announce: Announce): ReviewSession {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [view, setView] = useState<AssignmentView | null>(null);
  const [loadingView, setLoadingView] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [undoStack, setUndoStack] = useState<UndoEntry[]>([]);
  // Views opened or prefetched; `stale` ones (the inbox changed since) are shown at once and refreshed.
  const cache = useRef(new Map<string, { view: AssignmentView; stale: boolean }>());
  // Bumped on every inbox change: a view fetched before the latest change is stale on arrival.
  const changes = useRef(0);
  const inflight = useRef(new Map<string, number>());
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selectedId;

  /** Fetches the item's view into the cache; shows it if it is still the open one. */
  const load = useCallback(
    async (itemId: string, { quiet = false } = {}) => {
      const generation = changes.current;
      if (quiet && inflight.current.get(itemId) === generation) return;
      inflight.current.set(itemId, generation);
      if (!quiet) setLoadingView(true);
      try {
        const v = await backend.getAssignment(itemId);
        cache.current.delete(itemId); // re-inserted last: the Map's order is the eviction order
        cache.current.set(itemId, { view: v, stale: generation !== changes.current });
        for (const oldest of cache.current.keys()) {
          if (cache.current.size <= VIEW_CACHE_SIZE) break;
          cache.current.delete(oldest);
        }
        if (selectedRef.current === itemId) setView(v);
      } catch (e) {
        cache.current.delete(itemId);
        if (selectedRef.current === itemId && !quiet) {
          setView(null);
          setError(toAppError(e));
        }
      } finally {
        if (inflight.current.get(itemId) === generation) inflight.current.delete(itemId);
        if (!quiet) setLoadingView(false);
      }
    },
    [backend],
  );

  const prefetch = useCallback(
    (itemId: string | undefined) => {
      if (itemId && cache.current.get(itemId)?.stale !== false) void load(itemId, { quiet: true });
    },
    [load],
  );

  const select = useCallback(
    (itemId: string) => {
      setError(null);
      setSelectedId(itemId);
      selectedRef.current = itemId;
      // On screen from now: the decision reports its time on item (docs/protocol.md, "Reviewer
      // fatigue"). A failure only leaves that time unknown.
      backend.itemOpened(itemId).catch(() => undefined);
      const cached = cache.current.get(itemId);
      if (!cached) {
        void load(itemId);
        return;
      }
      // Synchronous, so the next item opens in the same frame as the key press.
      setView(cached.view);
      if (cached.stale) void load(itemId, { quiet: true });
    },
    [backend, load],
  );

  const selectedIndex = selectedId ? inbox.indexOf(selectedId) : -1;
  const { getRow, fetchRow, total, loaded } = inbox;

  // Open the first item when the inbox first shows rows; keep its neighbours warm for j/k and decisions.
  useEffect(() => {
    if (!selectedId && loaded && total > 0) {
      const first = getRow(0);
      if (first) select(first.item_id);
    }
    if (selectedIndex >= 0) {
      prefetch(getRow(selectedIndex + 1)?.item_id);
      prefetch(getRow(selectedIndex - 1)?.item_id);
      prefetch(getRow(selectedIndex + 2)?.item_id);
    }
  }, [selectedId, selectedIndex, loaded, total, getRow, select, prefetch, inbox.version]);

  // After any inbox change, cached views may be out of date: keep them for an instant open, mark them
  // stale so each is fetched again before or as it is shown, and refresh the open one now.
  useBackendEvent(backend, "inbox", () => {
    changes.current++;
    for (const entry of cache.current.values()) entry.stale = true;
    if (selectedRef.current) void load(selectedRef.current, { quiet: true });
  });

  // Where the open row last stood in the list. When it leaves the loaded rows (decided here or
  // elsewhere, reordered out, or an inbox refresh dropped its page), j/k still move from there.
  const lastIndex = useRef(-1);
  useEffect(() => {
    if (selectedIndex >= 0) lastIndex.current = selectedIndex;
  }, [selectedIndex]);
  // Decided here, still listed until the inbox refreshes: j/k pass over them.
  const decided = useRef(new Set<string>());
  // The move under way: a key pressed while it fetches its row moves on from that row, not from the
  // row it left (two presses, two rows).
  const moving = useRef<Promise<void> | null>(null);

  /** Among the loaded rows from `index` on, in steps of `step`: the first not decided here, as its index
   * and row, or the index of the first row not loaded and no row; index -1 past the top. */
  const skipDecided = useCallback(
    (index: number, step: number): [number, InboxRow | undefined] => {
      for (; index >= 0; index += step) {
        const row = getRow(index);
        if (!row || !decided.current.has(row.item_id)) return [index, row];
      }
      return [-1, undefined];
    },
    [getRow],
  );

  /** From row `target` on, in steps of `step`, the first row not decided here; null past an end. A
   * promise only when a page must be read first: a loaded row is found synchronously, so held-down or
   * fast keys advance one row per press, in the frame of the press. */
  const walk = useCallback(
    (target: number, step: number): InboxRow | null | Promise<InboxRow | null> => {
      const [index, row] = skipDecided(target, step);
      if (index < 0) return null;
      if (row) return row;
      return fetchRow(index).then((r) => (r && decided.current.has(r.item_id) ? walk(index + step, step) : (r ?? null)));
    },
    [skipDecided, fetchRow],
  );

  /** The row `delta` rows away from the open one, passing over rows decided here; null past an end. */
  const neighbour = useCallback(
    (delta: number): InboxRow | null | Promise<InboxRow | null> => {
      // Once out of the loaded rows, a decided row is out of the list for good (a refresh lists only
      // open work); an undone or refused one was taken out of the set already.
      for (const id of decided.current) if (inbox.indexOf(id) < 0) decided.current.delete(id);
      const open = selectedRef.current;
      const step = Math.sign(delta);
      const from = (index: number) =>
        // Left the list: the rows below it moved up one, so the row that took its place is one step down.
        walk(index >= 0 ? index + delta : lastIndex.current >= 0 ? lastIndex.current + delta - Math.max(step, 0) : 0, step);
      const index = open ? inbox.indexOf(open) : -1;
      if (open && index < 0 && lastIndex.current >= 0 && !getRow(lastIndex.current)) {
        // Its page may only have been dropped by a refresh: read the page where it was, then look again.
        return fetchRow(lastIndex.current).then(() => from(inbox.indexOf(open)));
      }
      return from(index);
    },
    [inbox, getRow, fetchRow, walk],
  );

  const move = useCallback(
    (delta: number): Promise<void> => {
      const open = (row: InboxRow | null) => {
        if (!row) announce(t(delta < 0 ? "session.firstItem" : "session.lastItem"));
        else if (row.item_id !== selectedRef.current) select(row.item_id);
      };
      const fail = (e: unknown) => setError(toAppError(e));
      const step = (): Promise<void> | undefined => {
        try {
          const found = neighbour(delta);
          if (!(found instanceof Promise)) return void open(found);
          return found.then(open, fail);
        } catch (e) {
          fail(e);
        }
      };
      const pending = moving.current ? moving.current.then(step) : step();
      if (!pending) return Promise.resolve();
      const mine: Promise<void> = pending.then(() => {
        if (moving.current === mine) moving.current = null;
      });
      moving.current = mine;
      return mine;
    },
    [neighbour, select, announce],
  );

  const decide = useCallback(
    async (itemId: string, request: DecisionRequest) => {
      const index = inbox.indexOf(itemId);
      const title = (cache.current.get(itemId)?.view ?? view)?.item.title ?? t("session.theItem");
      decided.current.add(itemId);
      // The next loaded row still to decide below, else above (the ones decided here stay listed until
      // the inbox refreshes).
      const next = index >= 0 ? (skipDecided(index + 1, 1)[1] ?? skipDecided(index - 1, -1)[1]) : undefined;
      // Optimistic: the next item opens now; the decision is confirmed when the store has it.
      if (next) select(next.item_id);
      else {
        setSelectedId(null);
        selectedRef.current = null;
        setView(null);
      }
      const label = actionDoneLabel(request.action);
      try {
        const recorded = await backend.decide(itemId, request);
        cache.current.delete(itemId);
        setUndoStack((s) => [...s.slice(1 - UNDO_STACK_SIZE), { itemId, title, action: request.action }]);
        announce(t("session.decided", { label, title }), true, recorded.client_time);
      } catch (e) {
        const err = toAppError(e);
        decided.current.delete(itemId);
        cache.current.delete(itemId);
        select(itemId);
        setError(err);
        announce(t("session.notSaved", { error: plainError(err) }));
      }
    },
    [backend, inbox, skipDecided, select, view, announce],
  );

  const undo = useCallback(
    async (itemId?: string) => {
      const entry = itemId ? undoStack.find((u) => u.itemId === itemId) : undoStack[undoStack.length - 1];
      const target = entry?.itemId ?? itemId;
      if (!target) {
        announce(t("session.nothingToUndo"));
        return;
      }
      setUndoStack((s) => s.filter((u) => u.itemId !== target));
      try {
        await backend.undoDecision(target);
        decided.current.delete(target);
        cache.current.delete(target);
        select(target);
        announce(t("session.undone", { title: entry?.title ?? t("session.theItem") }));
      } catch (e) {
        announce(t("session.cannotUndo", { error: plainError(toAppError(e)) }));
      }
    },
    [backend, undoStack, select, announce],
  );

  const pushUndo = useCallback((entries: UndoEntry[]) => {
    for (const e of entries) cache.current.delete(e.itemId);
    if (entries.length) setUndoStack((s) => [...s, ...entries].slice(-UNDO_STACK_SIZE));
  }, []);
  const dropUndo = useCallback((itemIds: string[]) => {
    const gone = new Set(itemIds);
    for (const id of itemIds) cache.current.delete(id);
    setUndoStack((s) => s.filter((u) => !gone.has(u.itemId)));
  }, []);

  return { selectedId, selectedIndex, view: view && view.item.id === selectedId ? view : null, loadingView, error, undoStack, select, move, decide, undo, pushUndo, dropUndo };
}
