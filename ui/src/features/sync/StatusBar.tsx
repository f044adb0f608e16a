import type { ReactNode } from "react";
import type { AppStatus } from "../../lib/backend";
import { formatAgo } from "../../lib/format";
import { t } from "../../i18n";
import { ariaKeys } from "../shortcuts/keymap";
import { useKeySettings } from "../shortcuts/preference";

interface Props {
  status: AppStatus | null;
  now: number;
  onSync(): void;
  onConflicts(): void;
  /** Lists the decisions waiting to upload (the inbox's outbox filter). */
  onOutbox(): void;
  onSettings(): void;
  /** The reviewer's session readout (features/fatigue), beside the connection facts. */
  session?: ReactNode;
}

/** Always visible: connection, uploads waiting, last sync, conflicts. */
export function StatusBar({ status, now, onSync, onConflicts, onOutbox, onSettings, session }: Props) {
  const keys = useKeySettings();
  if (!status) return <footer className="status-bar" aria-label={t("statusBar.label")} />;
  const online = status.online;
  return (
    <footer className="status-bar" aria-label={t("statusBar.label")}>
      <span className={`sb-item conn ${online ? "online" : "offline"}`} data-testid="status-online" data-online={online} role="status">
        <span className="dot" aria-hidden="true" />
        {online ? t("statusBar.online") : t("statusBar.offline")}
      </span>
      <button type="button" className={`sb-item sb-button${status.pending > 0 ? " has-pending" : ""}`} data-testid="status-pending-wrap" onClick={onOutbox} title={t("statusBar.listOutbox")}>
        <span data-testid="status-pending" data-count={status.pending}>
          {status.pending}
        </span>{" "}
        {t("statusBar.waiting", { count: status.pending })}
      </button>
      <span className="sb-item" data-testid="status-last-sync" title={status.last_sync ?? t("time.never")}>
        {t("statusBar.lastSync", { ago: formatAgo(status.last_sync, now) })}
      </span>
      <button
        type="button"
        className={`sb-item sb-button${status.conflicts > 0 ? " has-conflicts" : ""}`}
        data-testid="status-conflicts"
        data-count={status.conflicts}
        onClick={onConflicts}
        aria-keyshortcuts={ariaKeys("conflicts", keys)}
      >
        {t("statusBar.conflicts", { count: status.conflicts })}
      </button>
      {status.last_error && (
        <span className="sb-item sb-error" data-testid="status-error" title={status.last_error}>
          {status.last_error}
        </span>
      )}
      {session}
      <span className="spacer" />
      {status.notifications.state === "not_working" && (
        <span className="sb-item muted" data-testid="status-notifications" title={status.notifications.reason}>
          {t("statusBar.notificationsOff")}
        </span>
      )}
      <button type="button" className="sb-item sb-button" data-testid="status-server" onClick={onSettings} title={t("statusBar.serverSettings")}>
        {status.mode === "embedded" ? t("statusBar.demoQueue") : status.server}
        {status.signed_in_as ? t("statusBar.signedInAs", { name: status.signed_in_as.name, role: status.signed_in_as.role }) : t("statusBar.signedOut")}
      </button>
      <button type="button" className="sb-item sb-button" data-testid="sync-now" onClick={onSync}>
        {t("statusBar.syncNow")}
      </button>
    </footer>
  );
}
