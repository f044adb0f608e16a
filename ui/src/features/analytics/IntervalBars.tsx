import type { RateEstimate } from "../../lib/backend";
import { t } from "../../i18n";
import { formatRate } from "./formatRate";

export interface IntervalRow {
  label: string;
  rate: RateEstimate;
}

/**
 * Rates as horizontal bars with their 95% interval drawn as a whisker, each written out beside it
 * (formatRate); a row without enough data has no bar, only its words. Plain SVG: it needs no canvas.
 */
export function IntervalBars({ rows, testId }: { rows: IntervalRow[]; testId: string }) {
  if (rows.length === 0)
    return (
      <p className="muted" data-testid={testId}>
        {t("analytics.noRows")}
      </p>
    );
  return (
    <ul className="interval-bars" data-testid={testId}>
      {rows.map((row) => (
        <li key={row.label} className="interval-row" data-testid="interval-row" data-key={row.label}>
          <span className="interval-label">{row.label}</span>
          <svg className="interval-chart" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            <rect className="interval-track" x="0" y="3" width="100" height="4" />
            {row.rate.status === "estimated" && (
              <>
                <rect className="interval-bar" x="0" y="3" width={row.rate.rate * 100} height="4" />
                <line className="interval-whisker" x1={row.rate.low * 100} x2={row.rate.high * 100} y1="5" y2="5" />
                <line className="interval-whisker" x1={row.rate.low * 100} x2={row.rate.low * 100} y1="2" y2="8" />
                <line className="interval-whisker" x1={row.rate.high * 100} x2={row.rate.high * 100} y1="2" y2="8" />
              </>
            )}
          </svg>
          <span className="interval-value" data-testid="interval-value">
            {formatRate(row.rate)}
          </span>
        </li>
      ))}
    </ul>
  );
}
