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

export function ConfidenceMeter({ value }: { value: number }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  const band = pct >= 90 ? "high" : pct >= 60 ? "mid" : "low";
  return (
    <div className="confidence" data-testid="confidence-meter">
      <span className="label">Confidence</span>
      <div
        className={`meter band-${band}`}
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
    </div>
  );
}
