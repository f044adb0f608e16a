import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useLayoutEffect, useRef, useState, type Ref } from "react";
import type { AssignmentStatus, Risk, SortOrder, Stage } from "../../lib/backend";
import { formatCount, formatPercent, formatSla, stageLabel } from "../../lib/format";
import { t } from "../../i18n";
import { useKinds } from "../review/kinds/KindsContext";
import { RiskBadge } from "../review/RiskBadge";
import { plainError } from "../announce/ErrorNotice";
import { DEFAULT_FILTERS, type InboxFilters, type InboxRow, type PagedInbox } from "./usePagedInbox";
import { Marked } from "./Marked";
import { SearchBox } from "./SearchBox";
import type { Selection } from "./useSelection";

const ROW_HEIGHT = 62;
/** A search result has a line more: the excerpt where it matched. */
const HIT_HEIGHT = 82;

interface Props {
  inbox: PagedInbox;
  filters: InboxFilters;
  onFilters(filters: InboxFilters): void;
  selectedId: string | null;
  selectedIndex: number;
  onSelect(itemId: string, index: number): void;
  /** The rows chosen for a bulk decision. */
  selection: Selection;
  searchRef?: Ref<HTMLInputElement>;
  now: number;
}

/** The filters that list the outbox: decisions saved on this device and not uploaded yet. */
export const OUTBOX_FILTERS: InboxFilters = { ...DEFAULT_FILTERS, status: "decided" };

/** Whether the filters differ from the default view (sort order aside): an empty list can clear them. */
export function isFiltered(filters: InboxFilters): boolean {
  return (
    filters.kind !== null ||
    filters.stage !== null ||
    filters.risk !== null ||
    filters.status !== DEFAULT_FILTERS.status ||
    filters.due_within_minutes !== null ||
    filters.search !== null
  );
}

const STATUSES: AssignmentStatus[] = ["open", "decided", "uploaded", "conflict", "rejected"];
const statusLabel = (status: AssignmentStatus) => t(`status.${status}`);

/** 1234 → "1,234"; 70060 → "70k": keeps the stage tabs on one line with huge queues. */
export function compactCount(n: number): string {
  if (n < 10_000) return formatCount(n);
  if (n < 1_000_000) return `${Math.floor(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function Inbox({ inbox, filters, onFilters, selectedId, selectedIndex, onSelect, selection, searchRef, now }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const kinds = useKinds();
  const searching = filters.search !== null;
  const rowHeight = searching ? HIT_HEIGHT : ROW_HEIGHT;
  const [selectingAll, setSelectingAll] = useState(false);
  const virtualizer = useVirtualizer({
    count: inbox.total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    initialRect: { width: 360, height: 700 },
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { ensureRange } = inbox;
  // The rows' height changes as a search starts or ends.
  useEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);

  useEffect(() => {
    ensureRange(first, Math.max(last, first + 20));
  }, [first, last, ensureRange, inbox.total]);

  // When rows arrive or leave above the open one, scroll by as much: the open row stays under the
  // reviewer's eyes and pointer instead of sliding away (the "N new" pill says what arrived).
  const anchor = useRef<{ id: string | null; index: number }>({ id: null, index: -1 });
  useLayoutEffect(() => {
    const before = anchor.current;
    anchor.current = { id: selectedId, index: selectedIndex };
    const el = scrollRef.current;
    if (el && selectedId !== null && before.id === selectedId && before.index >= 0 && selectedIndex >= 0 && selectedIndex !== before.index) {
      el.scrollTop += (selectedIndex - before.index) * rowHeight;
    }
  }, [selectedId, selectedIndex, rowHeight]);

  useEffect(() => {
    if (selectedIndex < 0) return;
    // Before the next paint, and only when the row is out of view ("auto" is the virtualizer's answer
    // for a row in view): a scroll makes WebKit lay the window out at once, the item just opened
    // included, and inside the key press that took 6-10 ms of each j/k (desktop bench); in the frame's
    // own update it costs no more than the paint's layout.
    const frame = requestAnimationFrame(() => {
      const [, align] = virtualizer.getOffsetForIndex(selectedIndex, "auto") ?? [];
      if (align !== "auto") virtualizer.scrollToIndex(selectedIndex, { align: "auto" });
    });
    return () => cancelAnimationFrame(frame);
  }, [selectedIndex, virtualizer]);

  const showArrivals = () => {
    inbox.clearArrivals();
    scrollRef.current?.scrollTo({ top: 0 });
  };

  const selectAll = async () => {
    setSelectingAll(true);
    try {
      selection.add(await inbox.allRows());
    } finally {
      setSelectingAll(false);
    }
  };

  const set = <K extends keyof InboxFilters>(key: K, value: InboxFilters[K]) => onFilters({ ...filters, [key]: value });
  const totalOpen = inbox.counts.review + inbox.counts.escalation + inbox.counts.second_approval + inbox.counts.audit;

  return (
    <nav className="inbox" aria-label={t("inbox.label")}>
      <SearchBox
        search={filters.search}
        onSearch={(search) => onFilters({ ...filters, search })}
        error={searching && inbox.error?.code === "invalid_input" ? inbox.error : null}
        inputRef={searchRef}
      />
      <div className="stage-tabs" role="group" aria-label={t("inbox.stage")}>
        {([null, "review", "escalation", "second_approval", "audit"] as (Stage | null)[]).map((stage) => (
          <button
            key={stage ?? "all"}
            type="button"
            className="stage-tab"
            aria-pressed={filters.stage === stage}
            data-testid={`stage-${stage ?? "all"}`}
            onClick={() => set("stage", stage)}
          >
            <span>{stage === "second_approval" ? t("inbox.secondApprovalShort") : stage ? stageLabel(stage) : t("inbox.all")}</span>
            {/* No count before the first page: the list may still be opening, and 0 would be a guess. */}
            {inbox.loaded && (
              <span className="count" data-testid={`stage-count-${stage ?? "all"}`}>
                {compactCount(stage ? inbox.counts[stage] : totalOpen)}
              </span>
            )}
          </button>
        ))}
      </div>
      <div className="filters">
        <label>
          <span className="sr-only">{t("inbox.kind")}</span>
          <select data-testid="filter-kind" aria-label={t("inbox.kind")} value={filters.kind ?? ""} onChange={(e) => set("kind", e.target.value || null)}>
            <option value="">{t("inbox.allKinds")}</option>
            {kinds.all.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.plural}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="sr-only">{t("inbox.risk")}</span>
          <select data-testid="filter-risk" aria-label={t("inbox.risk")} value={filters.risk ?? ""} onChange={(e) => set("risk", (e.target.value || null) as Risk | null)}>
            <option value="">{t("inbox.anyRisk")}</option>
            {(["critical", "high", "medium", "low"] as const).map((r) => (
              <option key={r} value={r}>
                {t(`risk.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="sr-only">{t("inbox.status")}</span>
          <select
            data-testid="filter-status"
            aria-label={t("inbox.status")}
            value={filters.status ?? ""}
            onChange={(e) => set("status", (e.target.value || null) as AssignmentStatus | null)}
          >
            <option value="">{t("inbox.anyStatus")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="sr-only">{t("inbox.sort")}</span>
          <select data-testid="filter-sort" aria-label={t("inbox.sort")} value={filters.sort} onChange={(e) => set("sort", e.target.value as SortOrder)}>
            <option value="priority">{t("inbox.byPriority")}</option>
            <option value="due">{t("inbox.byDue")}</option>
            <option value="risk">{t("inbox.byRisk")}</option>
          </select>
        </label>
      </div>
      <div className="inbox-summary" aria-live="polite">
        {inbox.error ? (
          <span className="error-text">{plainError(inbox.error)}</span>
        ) : (
          <span data-testid="inbox-total">
            {!inbox.loaded ? t("app.loading") : searching ? t("search.results", { count: inbox.total, formatted: formatCount(inbox.total) }) : t("inbox.items", { count: inbox.total, formatted: formatCount(inbox.total) })}
          </span>
        )}
        {searching && inbox.total > 0 && (
          <button type="button" className="quiet small" data-testid="select-all" disabled={selectingAll} onClick={() => void selectAll()}>
            {t("search.selectAll", { formatted: formatCount(inbox.total) })}
          </button>
        )}
        {filters.status === "decided" && <span className="outbox-label">{t("inbox.outbox")}</span>}
        {inbox.arrivals > 0 && (
          <button type="button" className="new-pill" data-testid="new-arrivals" onClick={showArrivals}>
            {t("inbox.newArrivals", { count: inbox.arrivals })}
          </button>
        )}
      </div>
      <div
        ref={scrollRef}
        className="inbox-scroll"
        role="listbox"
        aria-label={t("inbox.assignments")}
        tabIndex={0}
        aria-activedescendant={selectedId ? `row-${selectedId}` : undefined}
        data-testid="inbox-list"
      >
        {inbox.loaded && inbox.total === 0 && !inbox.error && (
          <div className="empty" data-testid="inbox-empty">
            {isFiltered(filters) ? (
              <>
                <strong>{t("inbox.nothingHere")}</strong>
                <span>{filters.status === "decided" ? t("inbox.outboxEmpty") : t("inbox.noMatch")}</span>
                <button type="button" data-testid="clear-filters" onClick={() => onFilters({ ...DEFAULT_FILTERS, sort: filters.sort })}>
                  {t("app.clearFilters")}
                </button>
              </>
            ) : (
              <>
                <strong>{t("app.caughtUp")}</strong>
                <span>{t("app.caughtUpHint")}</span>
              </>
            )}
          </div>
        )}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((v) => {
            const row = inbox.getRow(v.index);
            if (!row)
              return (
                <div key={`p${v.index}`} className="inbox-row placeholder" style={{ transform: `translateY(${v.start}px)`, height: rowHeight }} aria-hidden="true">
                  <span className="skeleton" />
                </div>
              );
            const sla = formatSla(row.due_at, now);
            return (
              <InboxRowView
                key={row.item_id}
                row={row}
                index={v.index}
                start={v.start}
                height={rowHeight}
                total={inbox.total}
                selected={row.item_id === selectedId}
                picked={selection.has(row.item_id)}
                kindLabel={kinds.describe(row.kind).label}
                slaText={sla.text}
                slaLong={sla.long}
                slaClass={sla.overdue ? " overdue" : sla.urgent ? " urgent" : ""}
                onSelect={onSelect}
                onToggle={selection.toggle}
              />
            );
          })}
        </div>
      </div>
    </nav>
  );
}

interface RowProps {
  row: InboxRow;
  index: number;
  /** Where the virtual list places it, and its height. */
  start: number;
  height: number;
  total: number;
  selected: boolean;
  picked: boolean;
  kindLabel: string;
  slaText: string;
  slaLong: string;
  slaClass: string;
  onSelect(itemId: string, index: number): void;
  onToggle(row: InboxRow): void;
}

/** One row of the list; memoised, so a move through the list renders the two rows whose selection
 * changed, not every row in view (the time from a key press to the next item is mostly rendering). */
const InboxRowView = memo(function InboxRowView({ row, index, start, height, total, selected, picked, kindLabel, slaText, slaLong, slaClass, onSelect, onToggle }: RowProps) {
  return (
    <div
      id={`row-${row.item_id}`}
      role="option"
      aria-selected={selected}
      aria-checked={picked}
      // Only a window of rows exists in the DOM: say where this one sits in the whole list.
      aria-posinset={index + 1}
      aria-setsize={total}
      className={`inbox-row${row.blind_pending ? " blind" : ` risk-${row.risk}`}${selected ? " selected" : ""}${picked ? " picked" : ""}`}
      style={{ transform: `translateY(${start}px)`, height }}
      data-testid="inbox-row"
      data-item-id={row.item_id}
      data-kind={row.kind}
      data-stage={row.stage}
      data-status={row.status}
      data-picked={picked}
      onClick={() => onSelect(row.item_id, index)}
    >
      <div className="row-title">
        {/* The pointer's way to select; the keyboard's is x (the option's aria-checked says it). */}
        <span
          className="row-pick"
          aria-hidden="true"
          title={t("bulk.selectRow")}
          data-testid="row-pick"
          onClick={(e) => {
            e.stopPropagation();
            onToggle(row);
          }}
        >
          {picked ? "☑" : "☐"}
        </span>
        {row.match ? <Marked segments={row.match.title} /> : row.title}
      </div>
      {row.match && (
        <div className="row-excerpt" data-testid="row-excerpt">
          <Marked segments={row.match.excerpt} />
        </div>
      )}
      <div className="row-meta">
        {/* Read blind first: nothing of the AI's judgement before the reviewer's own read. */}
        {row.blind_pending ? (
          <span className="blind-chip" data-testid="row-blind">{t("blind.chip")}</span>
        ) : (
          <RiskBadge risk={row.risk} compact />
        )}
        <span className="kind-chip">{kindLabel}</span>
        {row.stage !== "review" && <span className="stage-chip">{stageLabel(row.stage)}</span>}
        {row.status !== "open" && <span className={`status-chip status-${row.status}`}>{statusLabel(row.status)}</span>}
        {!row.blind_pending && (
          <span className="row-conf" title={t("inbox.aiConfidence")}>
            {formatPercent(row.confidence)}
          </span>
        )}
        <span className="row-prio" title={t("inbox.priority")}>
          {t("inbox.priorityShort", { n: row.priority })}
        </span>
        <span
          className={`sla${slaClass}`}
          data-testid="row-sla"
          aria-label={slaLong}
          title={row.due_at ?? t("inbox.noDeadline")}
        >
          {slaText}
        </span>
      </div>
    </div>
  );
});
