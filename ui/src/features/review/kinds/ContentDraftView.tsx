import { formatScalar, humanizeKey } from "../../../lib/format";
import { EvidenceList, Signals } from "../ProposalPanel";
import { asRecord, StructuredValue } from "../StructuredValue";
import { Field, text } from "./fields";
import type { KindViewProps } from "./registry";
import { t } from "../../../i18n";

/** The draft first, at a height that shows it (the point of the review), then the brief it answers. */
export function ContentDraftView({ item, editor }: KindViewProps) {
  const p = asRecord(item.payload);
  const brief = asRecord(p.brief);
  const { key_points: keyPoints, ...rest } = brief;
  return (
    <div className="kind-view" data-testid="view-content_draft">
      {editor}
      <section className="card brief" aria-labelledby="brief-h">
        <h3 id="brief-h">{t("draft.brief")}</h3>
        <dl className="fields cols">
          {Object.entries(rest).map(([k, v]) => (
            <Field key={k} label={humanizeKey(k)}>
              {text(v)}
            </Field>
          ))}
          {p.locale !== undefined && <Field label={t("draft.locale")}>{text(p.locale)}</Field>}
        </dl>
        {Array.isArray(keyPoints) && (
          <>
            <h4>{t("draft.keyPoints")}</h4>
            <ul className="key-points">
              {keyPoints.map((k, i) => (
                <li key={i}>{formatScalar(k)}</li>
              ))}
            </ul>
          </>
        )}
        {Object.keys(p).some((k) => k !== "brief" && k !== "locale") && (
          <StructuredValue value={Object.fromEntries(Object.entries(p).filter(([k]) => k !== "brief" && k !== "locale"))} />
        )}
      </section>
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}
