import type { RateEstimate } from "../../lib/backend";
import { locale, t } from "../../i18n";

/** A share in whole percent without the sign ("71"), for the low end of an interval. */
function percentNumber(x: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(x * 100);
}

function percent(x: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(x);
}

/**
 * Every rate the analytics show, written once (docs/protocol.md, "Statistics"): "78% (71–84%, n=120)",
 * or "not enough data (12 of 30)" below the 30 trials the queue needs before it claims a rate.
 */
export function formatRate(rate: RateEstimate): string {
  if (rate.status === "not_enough_data") return t("analytics.notEnoughData", { trials: rate.trials, needed: rate.needed });
  return t("analytics.rate", { rate: percent(rate.rate), low: percentNumber(rate.low), high: percent(rate.high), n: rate.trials });
}
