import type { AssignmentView, DecisionRecord } from "../../lib/backend";
import { ACTION_LABELS, formatDateTime, formatSla, STAGE_LABELS } from "../../lib/format";
import { KeyHint } from "../shortcuts/KeyHint";
import { kindLabel } from "./kinds/registry";

/** Kind, stage, deadline, title and provenance of the open item. */
export function ItemHeader({ view, now, titleId }: { view: AssignmentView; now: number; titleId: string }) {
  const { item, summary } = view;
  const sla = formatSla(item.due_at, now);
  return (
    <header className="item-head">
      <div className="item-kicker">
        <span className="kind-chip">{kindLabel(item.kind)}</span>
        <span>{STAGE_LABELS[summary.stage]}</span>
        <span>Priority {item.priority}</span>
        {item.approvals_required > 1 && <span className="stage-chip">Two approvals</span>}
        <span className={`sla${sla.overdue ? " overdue" : sla.urgent ? " urgent" : ""}`} data-testid="item-sla">
          {item.due_at ? (sla.overdue ? `Overdue by ${sla.span}` : `Due in ${sla.span}`) : "No deadline"}
        </span>
      </div>
      <h2 id={titleId} className="item-title" data-testid="item-title" tabIndex={-1}>
        {item.title}
      </h2>
      <div className="item-sub muted">
        {item.producer} · {item.external_id} · received {formatDateTime(item.created_at)} · rule: {item.routing_rule}
      </div>
    </header>
  );
}

/** Where this device's decision on the item stands (decided, uploaded, in conflict, refused). */
export function DecisionStatus({ view, onUndo }: { view: AssignmentView; onUndo(): void }) {
  const { summary, decision } = view;
  const decidable = summary.status === "open" || summary.status === "rejected";
  return (
    <>
      {!decidable && decision && (
        <div className={`decided-banner status-${summary.status}`} role="status" data-testid="decided-banner">
          <strong>{ACTION_LABELS[decision.action]}</strong>
          <span>
            {summary.status === "decided"
              ? "Saved on this device, waiting to upload."
              : summary.status === "uploaded"
                ? "Uploaded to the queue."
                : summary.status === "conflict"
                  ? `Conflict: ${summary.status_message ?? "see the conflicts view"}`
                  : (summary.status_message ?? "")}
          </span>
          {summary.status === "decided" && (
            <button type="button" data-testid="action-undo" onClick={onUndo}>
              Undo <KeyHint command="undo" />
            </button>
          )}
        </div>
      )}
      {summary.status === "rejected" && summary.status_message && (
        <div className="error-banner" role="alert">
          The server refused the last decision: {summary.status_message}. You can decide again.
        </div>
      )}
    </>
  );
}

/** Decisions other reviewers already made on the item (a first approval, for instance). */
export function EarlierDecisions({ decisions, headingId }: { decisions: DecisionRecord[]; headingId: string }) {
  if (decisions.length === 0) return null;
  return (
    <section className="panel earlier" aria-labelledby={headingId} data-testid="earlier-decisions">
      <h3 id={headingId}>Earlier decisions</h3>
      <ol className="earlier-list">
        {decisions.map((d, i) => (
          <li key={i}>
            <strong>{ACTION_LABELS[d.action] ?? d.action}</strong> by {d.by} · {formatDateTime(d.at)}
            {d.reason_code && <span className="status-chip">{d.reason_code}</span>}
            {d.note && <div className="muted">“{d.note}”</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}
