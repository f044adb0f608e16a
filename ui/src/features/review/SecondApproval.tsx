import { useId } from "react";
import { t } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import type { DecisionRecord, Item } from "../../lib/backend";
import { CorrectionDiff } from "./CorrectionDiff";
import { SignatureLine } from "./ItemHeader";

/** The first approval of a four-eyes item: the last approve or approve-with-edits before this stage. */
export function firstApproval(item: Item): DecisionRecord | null {
  return [...item.decisions].reverse().find((d) => d.action === "approve" || d.action === "approve_with_edits") ?? null;
}

/**
 * What a second approver countersigns (docs/protocol.md, "Corrections"): the first approver's version,
 * its changes from the AI's output, their note, reason and tags. Approving accepts that version as it
 * stands; the queue keeps it as the outcome's output.
 */
export function SecondApprovalPanel({ item }: { item: Item }) {
  const id = useId();
  const first = firstApproval(item);
  if (!first) return null;
  const edited = first.action === "approve_with_edits" && first.correction !== null;
  const when = { by: first.by, at: formatDateTime(first.at) };
  return (
    <section className="panel second-approval" aria-labelledby={id} data-testid="second-approval">
      <h3 id={id}>{t("secondApproval.title", { by: first.by })}</h3>
      <p>{t(edited ? "secondApproval.edited" : "secondApproval.unchanged", when)}</p>
      {/* The first approver's signature manifest, when they signed (docs/protocol.md, "Signatures"). */}
      {first.signature && <SignatureLine manifest={first.signature} />}
      <dl className="second-approval-facts">
        {first.note && (
          <>
            <dt>{t("secondApproval.note")}</dt>
            <dd data-testid="first-note">“{first.note}”</dd>
          </>
        )}
        {first.rationale && (
          <>
            <dt>{t("secondApproval.rationale")}</dt>
            <dd data-testid="first-rationale">{first.rationale}</dd>
          </>
        )}
        {first.tags.length > 0 && (
          <>
            <dt>{t("secondApproval.tags")}</dt>
            <dd>
              {first.tags.map((tag) => (
                <span key={tag} className="status-chip">
                  {tag}
                </span>
              ))}
            </dd>
          </>
        )}
      </dl>
      {edited && <CorrectionDiff before={item.ai.output} after={first.correction} title={t("secondApproval.diffTitle")} />}
    </section>
  );
}
