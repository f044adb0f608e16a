import type { Risk } from "../../lib/backend";

const LABEL: Record<Risk, string> = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };

export function RiskBadge({ risk, compact = false }: { risk: Risk; compact?: boolean }) {
  const label = LABEL[risk] ?? String(risk);
  return (
    <span className={`risk-badge risk-${risk}${compact ? " compact" : ""}`} data-testid="risk-badge" aria-label={`${label} risk`}>
      <span className="risk-dot" aria-hidden="true" />
      {compact ? label : `${label} risk`}
    </span>
  );
}

/** The model's confidence in one neutral colour (it is not a risk), with a legend saying what it measures. */
export function ConfidenceMeter({ value }: { value: number }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="confidence" data-testid="confidence-meter">
      <span className="label">Confidence</span>
      <div
        className="meter"
        role="meter"
        aria-label="AI confidence"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct} percent`}
      >
        <div className="meter-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="value">{pct}%</span>
      <span className="meter-legend muted small">model’s certainty, not risk</span>
    </div>
  );
}
