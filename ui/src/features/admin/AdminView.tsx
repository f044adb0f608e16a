import type { AppStatus, Backend } from "../../lib/backend";
import { formatAgo } from "../../lib/format";
import { ErrorNotice } from "../announce/ErrorNotice";
import { HealthTable } from "./HealthTable";
import { UsersTable } from "./UsersTable";
import { useAdmin } from "./useAdmin";
import { t } from "../../i18n";

/** What an admin's app opens on: queue health per team and stage, and the users (docs/protocol.md, "Teams"). */
export function AdminView({ backend, status, now, onMessage }: { backend: Backend; status: AppStatus; now: number; onMessage(text: string): void }) {
  const admin = useAdmin(backend);
  return (
    <main className="admin-pane" id="review" aria-labelledby="admin-title" data-testid="admin-view">
      <div className="admin-head">
        <div>
          <h2 id="admin-title">{t("admin.title")}</h2>
          <p className="muted">{t("admin.signedInAs", { name: status.signed_in_as?.name ?? "", server: status.server })}</p>
        </div>
        <div className="admin-refresh">
          {admin.loadedAt !== null && (
            <span className="muted" data-testid="admin-refreshed">
              {t("admin.refreshed", { ago: formatAgo(new Date(admin.loadedAt).toISOString(), now) })}
            </span>
          )}
          <button type="button" data-testid="admin-refresh" onClick={() => void admin.refresh()}>
            {t("admin.refresh")}
          </button>
        </div>
      </div>
      {admin.error && <ErrorNotice error={admin.error} testId="admin-load-error" />}
      <section aria-labelledby="health-title" className="admin-section">
        <h3 id="health-title">{t("admin.health")}</h3>
        <p className="muted">{t("admin.healthHint")}</p>
        {admin.health && <HealthTable health={admin.health} now={now} />}
      </section>
      <section aria-labelledby="users-title" className="admin-section">
        <h3 id="users-title">{t("admin.users")}</h3>
        {admin.directory && <UsersTable users={admin.directory.users} teams={admin.directory.teams} onChange={admin.change} onDone={onMessage} />}
      </section>
    </main>
  );
}
