import { useId } from "react";
import { useKinds } from "../review/kinds/KindsContext";
import { t } from "../../i18n";
import { ErrorNotice } from "../announce/ErrorNotice";
import { formatRate } from "./formatRate";
import { useReport } from "./useReport";

/** The blind-read report: agreement before the reveal and switches after it, per reviewer, kind and model. */
export function BlindSection() {
  const ids = useId();
  const kinds = useKinds();
  const { report, error } = useReport((backend) => backend.blindReport());
  return (
    <section className="analytics-section" aria-labelledby={`${ids}-title`} data-testid="blind-section">
      <h2 id={`${ids}-title`}>{t("blind.section")}</h2>
      <p>{t("blind.sectionIntro")}</p>
      {error && <ErrorNotice error={error} />}
      {report && report.rows.length === 0 && <p>{t("blind.empty")}</p>}
      {report && report.rows.length > 0 && (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">{t("blind.reviewer")}</th>
              <th scope="col">{t("blind.kind")}</th>
              <th scope="col">{t("blind.model")}</th>
              <th scope="col">{t("blind.reads")}</th>
              <th scope="col">{t("blind.agreement")}</th>
              <th scope="col">{t("blind.switchToAi")}</th>
              <th scope="col">{t("blind.switchFromAi")}</th>
              <th scope="col">{t("blind.escalated")}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((row) => (
              <tr key={`${row.reviewer}/${row.kind}/${row.model ?? ""}`} data-testid="blind-row">
                <th scope="row">{row.reviewer}</th>
                <td>{kinds.describe(row.kind).label}</td>
                <td>{row.model ?? t("blind.noModel")}</td>
                <td>{row.judgements}</td>
                <td>{formatRate(row.agreement)}</td>
                <td>{formatRate(row.switch_to_ai)}</td>
                <td>{formatRate(row.switch_from_ai)}</td>
                <td>{row.escalated}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
