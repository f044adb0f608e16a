import type { Risk } from "../../lib/backend";
import { t } from "../../i18n";
import { formatPercent } from "../../lib/format";

export function RiskBadge({ risk, compact = false }: { risk: Risk; compact?: boolean }) {
  const label = t(`risk.${risk}`);
  const badge = t("risk.badge", { level: label });
  return (
    <span className={`risk-badge risk-${risk}${compact ? " compact" : ""}`} data-testid="risk-badge" aria-label={badge}>
      <span className="risk-dot" aria-hidden="true" />
      {compact ? label : badge}
    </span>
  );
}

/** The model's confidence in one neutral colour (it is not a risk), with a legend saying what it measures. */
export function ConfidenceMeter({ value }: { value: number }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="confidence" data-testid="confidence-meter">
      <span className="label">{t("proposal.confidence")}</span>
      <div
        className="meter"
        role="meter"
        aria-label={t("inbox.aiConfidence")}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={formatPercent(value)}
      >
        <div className="meter-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="value">{formatPercent(value)}</span>
      <span className="meter-legend muted small">{t("proposal.confidenceLegend")}</span>
    </div>
  );
}
