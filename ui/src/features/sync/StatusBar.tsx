import type { AppStatus } from "../../lib/backend";
import { formatAgo } from "../../lib/format";
import { ariaKeys } from "../shortcuts/keymap";
import { useSingleKeys } from "../shortcuts/preference";

interface Props {
  status: AppStatus | null;
  now: number;
  onSync(): void;
  onConflicts(): void;
  /** Lists the decisions waiting to upload (the inbox's outbox filter). */
  onOutbox(): void;
  onSettings(): void;
}

/** Always visible: connection, uploads waiting, last sync, conflicts. */
export function StatusBar({ status, now, onSync, onConflicts, onOutbox, onSettings }: Props) {
  const singleKeys = useSingleKeys();
  if (!status) return <footer className="status-bar" aria-label="Sync status" />;
  const online = status.online;
  return (
    <footer className="status-bar" aria-label="Sync status">
      <span className={`sb-item conn ${online ? "online" : "offline"}`} data-testid="status-online" data-online={online} role="status">
        <span className="dot" aria-hidden="true" />
        {online ? "Online" : "Offline"}
      </span>
      <button type="button" className={`sb-item sb-button${status.pending > 0 ? " has-pending" : ""}`} data-testid="status-pending-wrap" onClick={onOutbox} title="List them (the outbox)">
        <span data-testid="status-pending" data-count={status.pending}>
          {status.pending}
        </span>{" "}
        {status.pending === 1 ? "decision" : "decisions"} waiting to upload
      </button>
      <span className="sb-item" data-testid="status-last-sync" title={status.last_sync ?? "never"}>
        Last sync {formatAgo(status.last_sync, now)}
      </span>
      <button
        type="button"
        className={`sb-item sb-button${status.conflicts > 0 ? " has-conflicts" : ""}`}
        data-testid="status-conflicts"
        data-count={status.conflicts}
        onClick={onConflicts}
        aria-keyshortcuts={ariaKeys("conflicts", singleKeys)}
      >
        {status.conflicts} {status.conflicts === 1 ? "conflict" : "conflicts"}
      </button>
      {status.last_error && (
        <span className="sb-item sb-error" data-testid="status-error" title={status.last_error}>
          {status.last_error}
        </span>
      )}
      <span className="spacer" />
      {status.notifications !== "working" && (
        <span className="sb-item muted" data-testid="status-notifications" title={status.notifications}>
          Notifications off
        </span>
      )}
      <button type="button" className="sb-item sb-button" data-testid="status-server" onClick={onSettings} title="Server settings">
        {status.mode === "embedded" ? "Demo queue" : status.server}
        {status.signed_in_as ? ` · ${status.signed_in_as.name} (${status.signed_in_as.role})` : " · signed out"}
      </button>
      <button type="button" className="sb-item sb-button" data-testid="sync-now" onClick={onSync}>
        Sync now
      </button>
    </footer>
  );
}
