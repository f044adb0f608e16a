import { EvidenceList, Signals } from "../ProposalPanel";
import { StructuredValue } from "../StructuredValue";
import type { KindViewProps } from "./registry";
import { t } from "../../../i18n";

/** Any kind without a view of its own: the AI output and the payload as labelled values. */
export function GenericView({ item }: KindViewProps) {
  return (
    <div className="kind-view" data-testid="view-generic" data-kind={item.kind}>
      {/* Withheld (null) while the case is read blind first. */}
      {item.ai.output !== null && (
        <section className="panel" aria-labelledby="output-h">
          <h3 id="output-h">{t("generic.output")}</h3>
          <div data-testid="ai-output">
            <StructuredValue value={item.ai.output} />
          </div>
        </section>
      )}
      <section className="panel" aria-labelledby="payload-h">
        <h3 id="payload-h">{t("generic.details")}</h3>
        <div data-testid="payload-view">
          <StructuredValue value={item.payload} />
        </div>
      </section>
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}
