import type { RateEstimate } from "../../lib/backend";
import { locale, t } from "../../i18n";

/** A share in percent without the sign ("71"), for the low end of an interval. */
function percentNumber(x: number, decimals: number): string {
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(x * 100);
}

function percent(x: number, decimals: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(x);
}

/**
 * Every rate the analytics show, written once (docs/protocol.md, "Statistics"): "78% (71–84%, n=120)",
 * or "not enough data (12 of 30)" below the 30 trials the queue needs before it claims a rate. Small
 * rates (error rates of auto-approvals) take `decimals`: "1.7% (0.5–5.9%, n=120)".
 */
export function formatRate(rate: RateEstimate, decimals = 0): string {
  if (rate.status === "not_enough_data") return t("analytics.notEnoughData", { trials: rate.trials, needed: rate.needed });
  return t("analytics.rate", { rate: percent(rate.rate, decimals), low: percentNumber(rate.low, decimals), high: percent(rate.high, decimals), n: rate.trials });
}

/** The width of a confidence band (the queue's `estimate::CONFIDENCE_BAND_WIDTH`: tenths). */
const BAND_WIDTH = 0.1;

/** A confidence band by its lower edge, written once for every table and chart: "80–90%". */
export function formatBand(lower: number): string {
  return t("analytics.bandRange", { low: percentNumber(lower, 0), high: percent(Math.min(1, lower + BAND_WIDTH), 0) });
}
