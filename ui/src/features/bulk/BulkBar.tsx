import { useEffect, useId, useRef, useState } from "react";
import { toAppError, type Action, type AppError, type AppStatus, type BulkSkip } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { actionDoneLabel, formatCount } from "../../lib/format";
import { t } from "../../i18n";
import { ErrorNotice } from "../announce/ErrorNotice";
import type { Selection, SelectedRow } from "../inbox/useSelection";
import { useKinds } from "../review/kinds/KindsContext";
import type { Reason } from "../review/reasons";
import type { UndoEntry } from "../review/useReviewSession";
import { inChunks } from "./chunks";

/** The actions a bulk decision may take: an edit is always one item at a time. */
export type BulkAction = Exclude<Action, "approve_with_edits">;
const ACTIONS: BulkAction[] = ["approve", "reject", "escalate", "release"];

/** Shown excluded items, at most; the rest are counted. */
const SHOWN_SKIPS = 12;

type Phase =
  | { step: "choose" }
  | { step: "confirm"; action: BulkAction; reason: string | null; eligible: SelectedRow[]; skipped: BulkSkip[] }
  | { step: "running"; label: string; done: number; total: number }
  | { step: "done"; action: BulkAction; decided: SelectedRow[]; skipped: number; undoable: boolean };

interface Props {
  selection: Selection;
  status: AppStatus | null;
  /** Each decided item joins the undo stack, as a single decision does. */
  onDecided(entries: UndoEntry[]): void;
  onUndone(itemIds: string[]): void;
  announce(text: string): void;
}

/** The reject reasons every selected kind accepts (the server refuses a code its kind does not list). */
function sharedReasons(kinds: ReturnType<typeof useKinds>, rows: Iterable<SelectedRow>): Reason[] {
  let shared: Reason[] | null = null;
  for (const kind of new Set([...rows].map((r) => r.kind))) {
    const reasons = kinds.describe(kind).reasons;
    shared = shared === null ? reasons : shared.filter((r) => reasons.some((o) => o.code === r.code));
  }
  return shared ?? [];
}

/**
 * The bulk decision bar: the selection's size and the four actions; the excluded items with their
 * reason before acting; progress while deciding in chunks; "undo all" until something is uploaded.
 */
export function BulkBar({ selection, status, onDecided, onUndone, announce }: Props) {
  const backend = useBackend();
  const kinds = useKinds();
  const ids = useId();
  const [phase, setPhase] = useState<Phase>({ step: "choose" });
  const [error, setError] = useState<AppError | null>(null);
  const [reason, setReason] = useState("");
  const focus = useRef<HTMLButtonElement>(null);
  const reasons = sharedReasons(kinds, selection.rows.values());
  const pending = status?.pending ?? 0;
  const peak = useRef(0);

  // Something was uploaded once the outbox shrinks below what it held after the bulk decision: from
  // then on "undo all" could only undo part of it, so it is no longer offered.
  useEffect(() => {
    if (phase.step !== "done" || !phase.undoable) return;
    if (pending > peak.current) peak.current = pending;
    else if (pending < peak.current) setPhase({ ...phase, undoable: false });
  }, [pending, phase]);

  useEffect(() => focus.current?.focus(), [phase.step]);

  if (selection.size === 0 && phase.step === "choose") return null;

  const start = async (action: BulkAction) => {
    setError(null);
    if (action === "reject" && !reason) {
      setError({ code: "invalid_input", message: t("bulk.pickReason") });
      return;
    }
    const rows = [...selection.rows.values()];
    try {
      const skipped = await backend.bulkEligibility(rows.map((r) => r.item_id), action);
      const out = new Set(skipped.map((s) => s.item_id));
      setPhase({ step: "confirm", action, reason: action === "reject" ? reason : null, eligible: rows.filter((r) => !out.has(r.item_id)), skipped });
    } catch (e) {
      setError(toAppError(e));
    }
  };

  const decide = async (action: BulkAction, reasonCode: string | null, rows: SelectedRow[]) => {
    const decided: SelectedRow[] = [];
    let skipped = 0;
    const byId = new Map(rows.map((r) => [r.item_id, r]));
    const label = t(`bulk.running.${action}`);
    setPhase({ step: "running", label, done: 0, total: rows.length });
    try {
      await inChunks(
        rows.map((r) => r.item_id),
        async (chunk) => {
          const outcome = await backend.decideMany(chunk, { action, reason_code: reasonCode, note: null });
          for (const id of outcome.decided) {
            const row = byId.get(id);
            if (row) decided.push(row);
          }
          skipped += outcome.skipped.length;
        },
        (done) => setPhase({ step: "running", label, done, total: rows.length }),
      );
    } catch (e) {
      setError(toAppError(e));
    }
    onDecided(decided.map((r) => ({ itemId: r.item_id, title: r.title, action })));
    selection.remove(decided.map((r) => r.item_id));
    peak.current = 0;
    setPhase({ step: "done", action, decided, skipped, undoable: decided.length > 0 });
    announce(`${actionDoneLabel(action)}: ${t("bulk.items", { count: decided.length, formatted: formatCount(decided.length) })}`);
  };

  const undoAll = async (rows: SelectedRow[]) => {
    const undone: string[] = [];
    const label = t("bulk.undoing");
    setPhase({ step: "running", label, done: 0, total: rows.length });
    await inChunks(
      rows.map((r) => r.item_id),
      async (chunk) => {
        const results = await Promise.allSettled(chunk.map((id) => backend.undoDecision(id)));
        results.forEach((r, i) => r.status === "fulfilled" && undone.push(chunk[i]!));
      },
      (done) => setPhase({ step: "running", label, done, total: rows.length }),
    );
    onUndone(undone);
    setPhase({ step: "choose" });
    const failed = rows.length - undone.length;
    announce(failed ? t("bulk.undoPartly", { undone: formatCount(undone.length), failed: formatCount(failed) }) : t("bulk.undone", { count: undone.length, formatted: formatCount(undone.length) }));
  };

  return (
    <section className="bulk-bar" aria-labelledby={`${ids}-h`} data-testid="bulk-bar" data-step={phase.step}>
      <h2 id={`${ids}-h`} className="bulk-count" data-testid="bulk-count">
        {phase.step === "done"
          ? `${actionDoneLabel(phase.action)}: ${t("bulk.items", { count: phase.decided.length, formatted: formatCount(phase.decided.length) })}`
          : t("bulk.selected", { count: selection.size, formatted: formatCount(selection.size) })}
      </h2>
      {error && <ErrorNotice error={error} testId="bulk-error" />}

      {phase.step === "choose" && (
        <div className="bulk-actions" role="group" aria-label={t("bulk.actions")}>
          {ACTIONS.map((action) => (
            <button key={action} type="button" data-testid={`bulk-${action}`} className={action === "reject" ? "danger" : undefined} onClick={() => void start(action)}>
              {t(`bulk.action.${action}`)}
            </button>
          ))}
          <label className="bulk-reason">
            <span>{t("bulk.reason")}</span>
            <select data-testid="bulk-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
              <option value="">{reasons.length ? t("bulk.chooseReason") : t("bulk.noSharedReason")}</option>
              {reasons.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="quiet" data-testid="bulk-clear" onClick={selection.clear}>
            {t("bulk.clear")}
          </button>
        </div>
      )}

      {phase.step === "confirm" && (
        <div className="bulk-confirm">
          <p data-testid="bulk-summary">
            <strong>{t(`bulk.action.${phase.action}`)}</strong>: {t("bulk.willDecide", { count: phase.eligible.length, formatted: formatCount(phase.eligible.length) })}
          </p>
          {phase.reason && (
            <p data-testid="bulk-chosen-reason">
              {t("bulk.reason")}: <strong>{reasons.find((r) => r.code === phase.reason)?.label ?? phase.reason}</strong>
            </p>
          )}
          {phase.skipped.length > 0 && (
            <div data-testid="bulk-skipped">
              <p>{t("bulk.excluded", { count: phase.skipped.length, formatted: formatCount(phase.skipped.length) })}</p>
              <ul className="bulk-skips">
                {phase.skipped.slice(0, SHOWN_SKIPS).map((s) => (
                  <li key={s.item_id} data-testid="bulk-skip" data-reason={s.reason}>
                    <span className="bulk-skip-title">{selection.rows.get(s.item_id)?.title ?? s.item_id}</span> — {t(`bulk.skip.${s.reason}`)}
                  </li>
                ))}
              </ul>
              {phase.skipped.length > SHOWN_SKIPS && <p className="muted small">{t("bulk.moreExcluded", { formatted: formatCount(phase.skipped.length - SHOWN_SKIPS) })}</p>}
            </div>
          )}
          <div className="bulk-actions">
            <button
              ref={focus}
              type="button"
              className={phase.action === "reject" ? "danger" : "primary"}
              data-testid="bulk-confirm"
              disabled={phase.eligible.length === 0}
              onClick={() => void decide(phase.action, phase.reason, phase.eligible)}
            >
              {t(`bulk.action.${phase.action}`)} {formatCount(phase.eligible.length)}
            </button>
            <button type="button" className="quiet" data-testid="bulk-back" onClick={() => setPhase({ step: "choose" })}>
              {t("bulk.back")}
            </button>
          </div>
        </div>
      )}

      {phase.step === "running" && (
        <div className="bulk-progress" data-testid="bulk-progress">
          <label htmlFor={`${ids}-p`}>
            {phase.label}: {t("bulk.progress", { done: formatCount(phase.done), total: formatCount(phase.total) })}
          </label>
          <progress id={`${ids}-p`} max={phase.total} value={phase.done} />
        </div>
      )}

      {phase.step === "done" && (
        <div className="bulk-actions">
          {phase.skipped > 0 && <span className="muted">{t("bulk.skippedCount", { formatted: formatCount(phase.skipped) })}</span>}
          {phase.undoable && (
            <button type="button" data-testid="bulk-undo-all" onClick={() => void undoAll(phase.decided)}>
              {t("bulk.undoAll", { formatted: formatCount(phase.decided.length) })}
            </button>
          )}
          <button ref={focus} type="button" className="quiet" data-testid="bulk-done" onClick={() => setPhase({ step: "choose" })}>
            {t("bulk.close")}
          </button>
        </div>
      )}
    </section>
  );
}
