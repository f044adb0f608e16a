import { formatCount, formatPercent } from "../../lib/format";
import { useKinds } from "../review/kinds/KindsContext";
import { t } from "../../i18n";
import { ErrorNotice } from "../announce/ErrorNotice";
import { formatRate } from "./formatRate";
import { useReport } from "./useReport";

/** Gold accuracy per reviewer and kind (`GET /v1/stats/gold`), for a senior's teams or an admin. */
export function GoldSection() {
  const { report, error } = useReport((backend) => backend.goldStats());
  const kinds = useKinds();

  return (
    <section className="analytics-section" aria-labelledby="gold-title" data-testid="gold-section">
      <h2 id="gold-title">{t("gold.title")}</h2>
      <p className="muted">{t("gold.hint")}</p>
      {error && <ErrorNotice error={error} testId="gold-error" />}
      {report && report.rows.length === 0 && <p className="muted">{t("gold.none")}</p>}
      {report && report.rows.length > 0 && (
        <table className="admin-table" data-testid="gold-table">
          <thead>
            <tr>
              <th scope="col">{t("gold.reviewer")}</th>
              <th scope="col">{t("gold.kind")}</th>
              <th scope="col">{t("gold.team")}</th>
              <th scope="col">{t("gold.accuracy")}</th>
              <th scope="col" className="num">{t("gold.answers")}</th>
              <th scope="col" className="num">{t("gold.minimum")}</th>
              <th scope="col">{t("gold.below")}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((row) => (
              <tr
                key={`${row.reviewer}/${row.kind}/${row.team}`}
                data-testid="gold-row"
                data-reviewer={row.reviewer}
                data-below={row.below_minimum}
              >
                <th scope="row">{row.reviewer}</th>
                <td>{kinds.describe(row.kind).label}</td>
                <td>{row.team}</td>
                <td data-testid="gold-accuracy">{formatRate(row.accuracy)}</td>
                <td className="num">
                  {`${formatCount(row.correct)} / ${formatCount(row.incorrect)} / ${formatCount(row.escalated)}`}
                </td>
                <td className="num">{row.min_accuracy === null ? t("gold.ok") : formatPercent(row.min_accuracy)}</td>
                <td className={row.below_minimum ? "overdue" : undefined}>{row.below_minimum ? t("gold.below") : t("gold.ok")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
