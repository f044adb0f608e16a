import type { AssignmentView, DecisionRecord, SignatureManifest } from "../../lib/backend";
import { actionDoneLabel, formatDateTime, formatSla, stageLabel } from "../../lib/format";
import { t } from "../../i18n";
import { KeyHint } from "../shortcuts/KeyHint";
import { useKinds } from "./kinds/KindsContext";
import { CorrectionDiff } from "./CorrectionDiff";
import { meaningWord } from "./SignOffPanel";

/** Kind, stage, deadline, title and provenance of the open item. */
export function ItemHeader({ view, now, titleId }: { view: AssignmentView; now: number; titleId: string }) {
  const { item, summary } = view;
  const sla = formatSla(item.due_at, now);
  const kinds = useKinds();
  return (
    <header className="item-head">
      <div className="item-kicker">
        <span className="kind-chip">{kinds.describe(item.kind).label}</span>
        <span>{stageLabel(summary.stage)}</span>
        <span>{t("item.priority", { n: item.priority })}</span>
        {item.approvals_required > 1 && <span className="stage-chip">{t("item.twoApprovals")}</span>}
        <span className={`sla${sla.overdue ? " overdue" : sla.urgent ? " urgent" : ""}`} data-testid="item-sla">
          {item.due_at ? (sla.overdue ? t("time.overdueBy", { span: sla.span }) : t("time.dueIn", { span: sla.span })) : t("inbox.noDeadline")}
        </span>
      </div>
      <h2 id={titleId} className="item-title" data-testid="item-title" tabIndex={-1}>
        {item.title}
      </h2>
      <div className="item-sub muted">
        {t("item.provenance", { producer: item.producer, external: item.external_id, received: formatDateTime(item.created_at), rule: item.routing_rule })}
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
          <strong>{actionDoneLabel(decision.action)}</strong>
          <span>
            {summary.status === "decided"
              ? t("item.savedWaiting")
              : summary.status === "uploaded"
                ? t("item.uploaded")
                : summary.status === "conflict"
                  ? t("item.conflict", { message: summary.status_message ?? t("item.seeConflicts") })
                  : (summary.status_message ?? "")}
          </span>
          {decision.signature && <SignatureLine manifest={decision.signature} />}
          {summary.status === "decided" && (
            <button type="button" data-testid="action-undo" onClick={onUndo}>
              {t("toast.undo")} <KeyHint command="undo" />
            </button>
          )}
        </div>
      )}
      {summary.status === "rejected" && summary.status_message && (
        <div className="error-banner" role="alert">
          {t("item.refused", { message: summary.status_message })}
        </div>
      )}
    </>
  );
}

/** A signed decision's manifest: who signed, meaning what, when (docs/protocol.md, "Signatures"). */
export function SignatureLine({ manifest }: { manifest: SignatureManifest }) {
  return (
    <div className="signature-manifest" data-testid="signature-manifest">
      {t("signature.manifest", { name: manifest.signer_name, meaning: meaningWord(manifest.meaning), at: formatDateTime(manifest.signed_at) })}
    </div>
  );
}

/**
 * Decisions other reviewers already made on the item (a first approval, for instance), with their reason
 * and tags; given the AI's output, each correction with its changes from it.
 */
export function EarlierDecisions({ decisions, headingId, aiOutput }: { decisions: DecisionRecord[]; headingId: string; aiOutput?: unknown }) {
  if (decisions.length === 0) return null;
  return (
    <section className="panel earlier" aria-labelledby={headingId} data-testid="earlier-decisions">
      <h3 id={headingId}>{t("item.earlier")}</h3>
      <ol className="earlier-list">
        {decisions.map((d, i) => (
          <li key={i}>
            <strong>{actionDoneLabel(d.action)}</strong> {t("item.byAt", { by: d.by, at: formatDateTime(d.at) })}
            {d.reason_code && <span className="status-chip">{d.reason_code}</span>}
            {d.note && <div className="muted">“{d.note}”</div>}
            {d.rationale && <div className="muted">{d.rationale}</div>}
            {d.tags.map((tag) => (
              <span key={tag} className="status-chip">
                {tag}
              </span>
            ))}
            {aiOutput !== undefined && d.correction !== null && <CorrectionDiff before={aiOutput} after={d.correction} />}
            {d.signature && <SignatureLine manifest={d.signature} />}
          </li>
        ))}
      </ol>
    </section>
  );
}
