import type { FatigueSignals } from "../../lib/backend/generated/FatigueSignals";
import { formatAgo } from "../../lib/format";
import { t } from "../../i18n";
import { formatDuration } from "./describe";

/** The status bar's session readout: its length, decisions and the last break. */
export function SessionReadout({ signals, now }: { signals: FatigueSignals | null; now: number }) {
  if (!signals) return null;
  const { session } = signals;
  const text =
    session.started_at === null
      ? t("fatigue.noSession")
      : t("fatigue.session", {
          duration: formatDuration(session.seconds),
          count: session.decisions,
          lastBreak: session.last_break_ended_at ? formatAgo(session.last_break_ended_at, now) : t("fatigue.noBreak"),
        });
  return (
    <span className="sb-item" data-testid="session-readout" data-verdict={signals.verdict}>
      {text}
    </span>
  );
}
