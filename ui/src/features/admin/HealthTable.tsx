import type { QueueHealth } from "../../lib/backend";
import { formatAgo, formatCount, stageLabel } from "../../lib/format";
import { t } from "../../i18n";

/** Depth, held, oldest item and past-due count per team and stage. */
export function HealthTable({ health, now }: { health: QueueHealth; now: number }) {
  if (health.rows.length === 0) return <p className="muted" data-testid="health-empty">{t("admin.noWork")}</p>;
  return (
    <table className="admin-table" data-testid="health-table">
      <thead>
        <tr>
          <th scope="col">{t("admin.team")}</th>
          <th scope="col">{t("admin.stage")}</th>
          <th scope="col" className="num">{t("admin.depth")}</th>
          <th scope="col" className="num">{t("admin.held")}</th>
          <th scope="col">{t("admin.oldest")}</th>
          <th scope="col" className="num">{t("admin.pastDue")}</th>
        </tr>
      </thead>
      <tbody>
        {health.rows.map((row) => (
          <tr key={`${row.team ?? ""}/${row.stage}`} data-testid="health-row" data-team={row.team ?? ""} data-stage={row.stage}>
            <th scope="row">{row.team ?? t("admin.everyone")}</th>
            <td>{stageLabel(row.stage)}</td>
            <td className="num">{formatCount(row.depth)}</td>
            <td className="num">{formatCount(row.held)}</td>
            <td>{formatAgo(row.oldest_created_at, now)}</td>
            <td className={`num${row.past_due > 0 ? " overdue" : ""}`} data-testid="past-due">
              {formatCount(row.past_due)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
