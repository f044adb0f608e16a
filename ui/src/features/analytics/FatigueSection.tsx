import { formatPercent } from "../../lib/format";
import { t } from "../../i18n";
import { formatDuration, reasonText } from "../fatigue/describe";
import { formatRate } from "./formatRate";
import { useReport } from "./useReport";

/** Seniors and admins: each reviewer's fatigue verdict and the signals behind it. */
export function FatigueSection() {
  const { report, error } = useReport((backend) => backend.fatigueReport());
  return (
    <section className="analytics-section" data-testid="fatigue-section" aria-labelledby="fatigue-section-title">
      <h2 id="fatigue-section-title">{t("fatigueReport.title")}</h2>
      <p className="muted">{t("fatigueReport.explain")}</p>
      {error && <p role="alert">{error.message}</p>}
      {!report && !error && <p>{t("app.loading")}</p>}
      {report && report.reviewers.length === 0 && <p>{t("fatigueReport.nobody")}</p>}
      {report && report.reviewers.length > 0 && (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">{t("fatigueReport.reviewer")}</th>
              <th scope="col">{t("fatigueReport.verdict")}</th>
              <th scope="col">{t("fatigueReport.session")}</th>
              <th scope="col">{t("fatigueReport.pace")}</th>
              <th scope="col">{t("fatigueReport.underReading")}</th>
              <th scope="col">{t("fatigueReport.why")}</th>
            </tr>
          </thead>
          <tbody>
            {report.reviewers.map(({ name, teams, signals }) => (
              <tr key={name} data-testid="fatigue-row" data-name={name} data-verdict={signals.verdict}>
                <th scope="row">
                  {name}
                  <span className="muted"> {teams.join(", ")}</span>
                </th>
                <td>{t(`fatigue.verdict.${signals.verdict}`)}</td>
                <td>
                  {signals.session.started_at === null
                    ? t("fatigue.noSession")
                    : t("fatigueReport.sessionValue", { duration: formatDuration(signals.session.seconds), count: signals.session.decisions })}
                </td>
                <td>
                  {signals.pace.status === "measured"
                    ? t("fatigueReport.paceValue", { share: formatPercent(signals.pace.ratio) })
                    : signals.session.started_at === null
                      ? "–"
                      : t("fatigueReport.noBaseline", { decisions: signals.pace.decisions, needed: signals.pace.needed })}
                </td>
                <td>{formatRate(signals.under_reading_time)}</td>
                <td>{signals.reasons.map((reason) => reasonText(reason, signals)).join("; ") || "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
