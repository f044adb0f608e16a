import type { Item } from "../../lib/backend";
import { formatScalar, humanizeKey } from "../../lib/format";
import { InfoTip } from "./InfoTip";
import { t } from "../../i18n";
import { ConfidenceMeter, RiskBadge } from "./RiskBadge";

export function Signals({ signals }: { signals: Item["ai"]["signals"] }) {
  if (!signals.length) return null;
  const max = Math.max(0.05, ...signals.map((s) => Math.abs(s.weight ?? 0)));
  return (
    <section className="panel" aria-labelledby="signals-h">
      <h3 id="signals-h">{t("proposal.signals")}</h3>
      <table className="signals" data-testid="signals">
        <thead>
          <tr>
            <th scope="col">{t("proposal.signal")}</th>
            <th scope="col">{t("proposal.value")}</th>
            <th scope="col">{t("proposal.weight")}</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((s, i) => {
            const w = s.weight ?? null;
            const pct = w === null ? 0 : (Math.abs(w) / max) * 50;
            return (
              <tr key={`${s.name}-${i}`}>
                <td>{humanizeKey(s.name)}</td>
                <td className="num">{formatScalar(s.value)}</td>
                <td className="weight-cell">
                  <div className="weight-bar" aria-hidden="true">
                    <span className={w !== null && w < 0 ? "neg" : "pos"} style={w !== null && w < 0 ? { right: "50%", width: `${pct}%` } : { left: "50%", width: `${pct}%` }} />
                  </div>
                  <span className="num weight-num">{w === null ? "—" : `${w > 0 ? "+" : ""}${w.toFixed(2)}`}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function EvidenceList({ evidence }: { evidence: Item["ai"]["evidence"] }) {
  if (!evidence.length) return null;
  return (
    <section className="panel" aria-labelledby="evidence-h">
      <h3 id="evidence-h">{t("proposal.evidence")}</h3>
      <ul className="evidence" data-testid="evidence">
        {evidence.map((e, i) => (
          <li key={i}>
            <div className="ev-label">{e.label}</div>
            <div className="ev-text">{e.text}</div>
            {e.source && <div className="ev-source">{t("proposal.source", { source: e.source })}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The AI's view of the case: model, risk, confidence and reasoning. */
export function ProposalHeader({ item }: { item: Item }) {
  return (
    <section className="panel proposal" aria-labelledby="proposal-h" data-testid="ai-proposal">
      <div className="proposal-top">
        <h3 id="proposal-h">{t("proposal.title")}</h3>
        <span className="model" data-testid="ai-model" title={t("proposal.model")}>
          {item.ai.model ?? t("proposal.unknownModel")}
        </span>
      </div>
      <div className="proposal-metrics">
        <span className="metric">
          <RiskBadge risk={item.ai.risk} />
          <InfoTip topic="risk" />
        </span>
        <span className="metric">
          <ConfidenceMeter value={item.ai.confidence} />
          <InfoTip topic="confidence" />
        </span>
      </div>
      {item.ai.reasoning && (
        <p className="reasoning" data-testid="ai-reasoning">
          {item.ai.reasoning}
        </p>
      )}
    </section>
  );
}
