import { type ThresholdReport } from "../../lib/backend";
import { useKinds } from "../review/kinds/KindsContext";
import { t } from "../../i18n";
import { formatBand, formatRate } from "./formatRate";
import { useReport } from "./useReport";

const modelText = (model: string | null) => model ?? t("thresholds.noModel");

/**
 * The threshold report (seniors and admins): the AI's error rate on audited auto-approvals, the
 * lowest confidence threshold that keeps it under the target per kind and model, and the shadow rules.
 */
export function ThresholdsSection() {
  const { report, error } = useReport((backend) => backend.thresholdsReport());

  return (
    <section className="analytics-section" aria-labelledby="thresholds-title" data-testid="thresholds-section">
      <h2 id="thresholds-title">{t("thresholds.title")}</h2>
      <p className="muted">{t("thresholds.intro")}</p>
      {error && <p role="alert">{t("thresholds.failed", { message: error.message })}</p>}
      {!report && !error && <p className="muted">{t("thresholds.loading")}</p>}
      {report && <Report report={report} />}
    </section>
  );
}

function Report({ report }: { report: ThresholdReport }) {
  const kinds = useKinds();
  return (
    <>
      <h3>{t("thresholds.recommendations")}</h3>
      {report.recommendations.length === 0 ? (
        <p className="muted" data-testid="thresholds-empty">{t("thresholds.noAudits")}</p>
      ) : (
        <table className="admin-table" data-testid="thresholds-recommendations">
          <thead>
            <tr>
              <th scope="col">{t("thresholds.kind")}</th>
              <th scope="col">{t("thresholds.model")}</th>
              <th scope="col" className="num">{t("thresholds.target")}</th>
              <th scope="col">{t("thresholds.threshold")}</th>
              <th scope="col">{t("thresholds.error")}</th>
            </tr>
          </thead>
          <tbody>
            {report.recommendations.map((row) => (
              <tr key={`${row.kind}/${row.model ?? ""}`} data-testid="threshold-row">
                <th scope="row">{kinds.describe(row.kind).label}</th>
                <td>{modelText(row.model)}</td>
                <td className="num">{(row.target_error * 100).toFixed(1)}%</td>
                <td>{row.threshold === null ? t("thresholds.none") : t("thresholds.atLeast", { value: row.threshold.toFixed(2) })}</td>
                <td>{formatRate(row.error, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.error_rates.length > 0 && (
        <>
          <h3>{t("thresholds.bands")}</h3>
          <table className="admin-table" data-testid="thresholds-bands">
            <thead>
              <tr>
                <th scope="col">{t("thresholds.kind")}</th>
                <th scope="col">{t("thresholds.model")}</th>
                <th scope="col">{t("thresholds.band")}</th>
                <th scope="col">{t("thresholds.error")}</th>
              </tr>
            </thead>
            <tbody>
              {report.error_rates.map((row) => (
                <tr key={`${row.kind}/${row.model ?? ""}/${row.band}`}>
                  <th scope="row">{kinds.describe(row.kind).label}</th>
                  <td>{modelText(row.model)}</td>
                  <td>{formatBand(row.band)}</td>
                  <td>{formatRate(row.error, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>{t("thresholds.shadow")}</h3>
      {report.shadow.length === 0 ? (
        <p className="muted">{t("thresholds.noShadow")}</p>
      ) : (
        <table className="admin-table" data-testid="thresholds-shadow">
          <thead>
            <tr>
              <th scope="col">{t("thresholds.rule")}</th>
              <th scope="col">{t("thresholds.wouldRoute")}</th>
              <th scope="col">{t("thresholds.agreesLive")}</th>
              <th scope="col">{t("thresholds.agreesHuman")}</th>
            </tr>
          </thead>
          <tbody>
            {report.shadow.map((row) => (
              <tr key={`${row.rule}/${row.route}`}>
                <th scope="row">{row.rule}</th>
                <td>{t(`thresholds.route.${row.route}`)}</td>
                <td>{formatRate(row.agrees_with_live)}</td>
                <td>{formatRate(row.agrees_with_human)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
