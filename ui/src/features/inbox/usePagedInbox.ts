import { useCallback, useEffect, useRef, useState } from "react";
import { toAppError, type AppError, type AssignmentSummary, type Backend, type StageCounts, type TextSegment, type ViewFilter } from "../../lib/backend";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";
import { PageCache } from "./pageCache";

/** What the inbox lists: the filters, the sort and the search text; a saved view keeps exactly this. */
export type InboxFilters = ViewFilter;

export const DEFAULT_FILTERS: InboxFilters = { kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, search: null };

/** An inbox row; while a search is active, with its title and an excerpt marked where the search matched. */
export type InboxRow = AssignmentSummary & { match?: { title: TextSegment[]; excerpt: TextSegment[] } };

interface RowsPage {
  rows: InboxRow[];
  total: number;
  /** The stage counts of the whole inbox; a search page has none (the last ones are kept). */
  counts: StageCounts | null;
}

/** One page of the list: the inbox in sort order, or the search's hits by relevance under the same filters. */
async function fetchRows(backend: Backend, filters: InboxFilters, offset: number, limit: number): Promise<RowsPage> {
  const { search, ...query } = filters;
  if (search === null) return backend.listAssignments({ ...query, offset, limit });
  const page = await backend.search(search, { ...query, offset, limit });
  return { rows: page.hits.map((h) => ({ ...h.summary, match: { title: h.title, excerpt: h.excerpt } })), total: page.total, counts: null };
}

export const PAGE_SIZE = 100;
/** Pages kept around the visible one; the rest are dropped and fetched again when needed. */
const KEEP_PAGES = 20;
/** The largest page a query may ask for (InboxQuery's `limit`): selecting all results reads them this many at a time. */
const ALL_ROWS_PAGE = 1000;

export interface PagedInbox {
  total: number;
  counts: StageCounts;
  loaded: boolean;
  error: AppError | null;
  /** Bumped whenever rows arrive; use it to re-render. */
  version: number;
  /** Rows that appeared since the reviewer last looked (new arrivals), for the "N new" pill. */
  arrivals: number;
  clearArrivals(): void;
  getRow(index: number): InboxRow | undefined;
  indexOf(itemId: string): number;
  /** Tells the list which rows are visible; fetches the pages they need. */
  ensureRange(start: number, end: number): void;
  /** Resolves with the row at `index`, fetching its page if needed. */
  fetchRow(index: number): Promise<InboxRow | undefined>;
  /** Every row the filters list (for selecting all of a search's results). */
  allRows(): Promise<InboxRow[]>;
  refresh(): Promise<void>;
}

/** The inbox as pages of a filtered, sorted query; the backend does the filtering. */
export function usePagedInbox(backend: Backend, filters: InboxFilters, enabled = true): PagedInbox {
  const [state, setState] = useState({ total: 0, counts: { review: 0, escalation: 0, second_approval: 0, audit: 0 }, loaded: false, error: null as AppError | null, version: 0, arrivals: 0 });
  const cache = useRef(new PageCache<InboxRow>(PAGE_SIZE));
  const generation = useRef(0);
  const range = useRef<[number, number]>([0, 30]);
  const totalRef = useRef(0);
  const filtersRef = useRef(filters);

  const fetchPage = useCallback(
    async (page: number, into: PageCache<InboxRow>, gen: number) => {
      into.markInflight(page);
      try {
        const result = await fetchRows(backend, filtersRef.current, page * PAGE_SIZE, PAGE_SIZE);
        if (gen !== generation.current) return;
        into.set(page, result.rows);
        totalRef.current = result.total;
        setState((s) => ({ ...s, total: result.total, counts: result.counts ?? s.counts, loaded: true, error: null, version: s.version + 1 }));
      } catch (error) {
        into.fail(page);
        if (gen !== generation.current) return;
        // A search that cannot run (a malformed text) lists nothing and says why.
        totalRef.current = 0;
        setState((s) => ({ ...s, total: 0, loaded: true, error: toAppError(error), version: s.version + 1 }));
      }
    },
    [backend],
  );

  /** Refetches the visible pages; `countArrivals` counts the rows that were not there before. */
  const reload = useCallback(async (countArrivals: boolean) => {
    // Fetch the visible pages into a fresh cache, then swap: no flicker, no stale rows kept.
    const gen = ++generation.current;
    const before = new Set(cache.current.loadedRows().map((r) => r.item_id));
    const fresh = new PageCache<InboxRow>(PAGE_SIZE);
    const [start, end] = range.current;
    const pages = fresh.pagesFor(start, end, Math.max(totalRef.current, end + 1));
    await Promise.all((pages.length ? pages : [0]).map((p) => fetchPage(p, fresh, gen)));
    if (gen !== generation.current) return;
    cache.current = fresh;
    const added = countArrivals && before.size > 0 ? fresh.loadedRows().filter((r) => !before.has(r.item_id)).length : 0;
    setState((s) => ({ ...s, version: s.version + 1, arrivals: countArrivals ? s.arrivals + added : 0 }));
  }, [fetchPage]);
  const refresh = useCallback(() => reload(false), [reload]);

  const filterKey = JSON.stringify(filters);
  useEffect(() => {
    filtersRef.current = JSON.parse(filterKey) as InboxFilters;
    if (!enabled) return;
    range.current = [0, 30];
    void refresh();
  }, [filterKey, refresh, enabled]);

  useBackendEvent(backend, "inbox", () => void reload(true), enabled);
  const clearArrivals = useCallback(() => setState((s) => (s.arrivals ? { ...s, arrivals: 0 } : s)), []);

  const ensureRange = useCallback(
    (start: number, end: number) => {
      range.current = [start, end];
      const c = cache.current;
      const gen = generation.current;
      for (const p of c.missing(start, end, totalRef.current)) void fetchPage(p, c, gen);
      c.trim(Math.floor(start / PAGE_SIZE), KEEP_PAGES);
    },
    [fetchPage],
  );

  const fetchRow = useCallback(
    async (index: number) => {
      if (index < 0) return undefined;
      const row = cache.current.get(index);
      if (row) return row;
      // Straight from the backend rather than through fetchPage: a refresh that starts meanwhile (the
      // inbox changes every few seconds while syncing) must not swallow the answer, or a j press is lost.
      // Nor is the row count trusted: it may be older than the rows a sync just added.
      const page = Math.floor(index / PAGE_SIZE);
      const gen = generation.current;
      const result = await fetchRows(backend, filtersRef.current, page * PAGE_SIZE, PAGE_SIZE);
      if (gen === generation.current) {
        cache.current.set(page, result.rows);
        totalRef.current = result.total;
        setState((s) => ({ ...s, total: result.total, counts: result.counts ?? s.counts, version: s.version + 1 }));
      }
      return result.rows[index % PAGE_SIZE];
    },
    [backend],
  );

  const allRows = useCallback(async () => {
    const rows: InboxRow[] = [];
    for (let offset = 0; ; offset += ALL_ROWS_PAGE) {
      const page = await fetchRows(backend, filtersRef.current, offset, ALL_ROWS_PAGE);
      rows.push(...page.rows);
      if (page.rows.length < ALL_ROWS_PAGE || rows.length >= page.total) return rows;
    }
  }, [backend]);

  const getRow = useCallback((index: number) => cache.current.get(index), []);
  const indexOf = useCallback((itemId: string) => cache.current.findIndex((r) => r.item_id === itemId), []);

  return { ...state, getRow, indexOf, ensureRange, fetchRow, allRows, refresh, clearArrivals };
}
