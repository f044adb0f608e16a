import type { FatigueReason } from "../../lib/backend/generated/FatigueReason";
import type { FatigueSignals } from "../../lib/backend/generated/FatigueSignals";
import { formatPercent } from "../../lib/format";
import { t } from "../../i18n";

/** "2 h 10 min", "25 min", "under a minute". */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return t("fatigue.underAMinute");
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return t("fatigue.minutes", { m: minutes });
  return t("fatigue.hoursMinutes", { h: hours, m: minutes % 60 });
}

/** One plain clause per signal, with what was measured (docs/protocol.md, "Reviewer fatigue"). */
export function reasonText(reason: FatigueReason, signals: FatigueSignals): string {
  switch (reason.signal) {
    case "long_session":
      return t("fatigue.reason.long_session", { duration: formatDuration(signals.session.seconds) });
    case "faster_than_usual":
      return t("fatigue.reason.faster_than_usual", {
        count: signals.pace.decisions,
        share: formatPercent(reason.value),
      });
    case "slower_than_usual":
      return t("fatigue.reason.slower_than_usual", {
        count: signals.pace.decisions,
        times: Math.round(reason.value * 10) / 10,
      });
    case "same_action_streak":
      return t("fatigue.reason.same_action_streak", {
        count: signals.streak.current,
        action: signals.streak.action ? t(`fatigue.action.${signals.streak.action}`) : "",
      });
    case "under_reading_time":
      return t("fatigue.reason.under_reading_time", {
        count: signals.under_reading_time.successes,
        total: signals.under_reading_time.trials,
      });
  }
}

/** The break suggestion: what was seen, then why a break helps. Empty when fresh. */
export function breakMessage(signals: FatigueSignals): string {
  if (signals.verdict === "fresh") return "";
  const clauses = signals.reasons.map((reason) => reasonText(reason, signals));
  const last = clauses.pop() ?? "";
  const joined = clauses.length > 0 ? t("fatigue.and", { first: clauses.join(", "), last }) : last;
  return t("fatigue.suggestion", { seen: joined.charAt(0).toUpperCase() + joined.slice(1) });
}

/** The step of a session a suggestion belongs to: shown once per session and level. */
export function suggestionKey(signals: FatigueSignals): string {
  return `${signals.session.started_at ?? ""}|${signals.verdict}`;
}
