import { useEffect, useId, useState } from "react";
import { toAppError, type AppError, type AppStatus, type NotificationPreferences } from "../../lib/backend";
import { UNDO_WINDOW_MAX_SECONDS } from "../announce/Toast";
import { ErrorNotice } from "../announce/ErrorNotice";
import { useBackend } from "../../lib/backend/context";
import { useKinds } from "../review/kinds/KindsContext";
import { t } from "../../i18n";

/** Server URL + token (kept in the OS keyring by the shell), or the embedded demo queue. */
export function SignInForm({ status, onStatus }: { status: AppStatus | null; onStatus(s: AppStatus): void }) {
  const backend = useBackend();
  const ids = useId();
  const [server, setServer] = useState(status?.mode === "remote" ? status.server : "https://");
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const run = async (f: () => Promise<AppStatus>) => {
    setBusy(true);
    setError(null);
    try {
      onStatus(await f());
      setToken("");
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="sign-in"
      data-testid="sign-in-form"
      aria-labelledby={`${ids}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => backend.signIn(server.trim(), token));
      }}
    >
      <h2 id={`${ids}-h`}>{t("signIn.title")}</h2>
      <p className="muted">{t("signIn.keyring")}</p>
      <label htmlFor={`${ids}-server`}>{t("signIn.server")}</label>
      <input
        id={`${ids}-server`}
        data-testid="sign-in-server"
        type="url"
        required
        autoComplete="url"
        value={server}
        onChange={(e) => setServer(e.target.value)}
      />
      <label htmlFor={`${ids}-token`}>{t("signIn.token")}</label>
      <input
        id={`${ids}-token`}
        data-testid="sign-in-token"
        type="password"
        required
        autoComplete="current-password"
        value={token}
        onChange={(e) => setToken(e.target.value)}
      />
      {error && <ErrorNotice error={error} testId="sign-in-error" />}
      <div className="panel-buttons">
        <button type="submit" className="primary" disabled={busy} data-testid="sign-in-submit">
          {busy ? t("signIn.busy") : t("app.signIn")}
        </button>
        <button type="button" disabled={busy} data-testid="use-demo" onClick={() => void run(() => backend.useEmbeddedDemo())}>
          {t("signIn.demo")}
        </button>
        {status?.signed_in_as && (
          <button type="button" className="quiet" disabled={busy} data-testid="sign-out" onClick={() => void run(() => backend.signOut())}>
            {t("signIn.signOut")}
          </button>
        )}
      </div>
      {status && (
        <p className="muted small" data-testid="sign-in-current">
          {status.signed_in_as
            ? t("signIn.currentSignedIn", { server: status.mode === "embedded" ? t("signIn.demoQueue") : status.server, name: status.signed_in_as.name })
            : t("signIn.currentSignedOut", { server: status.mode === "embedded" ? t("signIn.demoQueue") : status.server })}
        </p>
      )}
    </form>
  );
}

/** How long a decision waits before upload, 0-30 s; the shell keeps it in the core's settings file. */
export function UndoWindowSetting({ seconds, onChange }: { seconds: number; onChange(seconds: number): void }) {
  const id = useId();
  const [value, setValue] = useState(String(seconds));
  const commit = () => {
    const n = Math.round(Number(value));
    if (Number.isFinite(n) && n >= 0 && n <= UNDO_WINDOW_MAX_SECONDS && n !== seconds) onChange(n);
    else setValue(String(seconds));
  };
  return (
    <section className="undo-window-setting" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t("undoWindow.title")}</h3>
      <label htmlFor={`${id}-s`}>{t("undoWindow.label")}</label>
      <input
        id={`${id}-s`}
        data-testid="undo-window-seconds"
        type="number"
        min={0}
        max={UNDO_WINDOW_MAX_SECONDS}
        step={1}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
      />
      <p className="muted small">{t("undoWindow.help")}</p>
    </section>
  );
}

const DEFAULT_QUIET_HOURS = { start: "22:00", end: "07:00" };

/** "22:00:00" as the core writes it, "22:00" as a time input shows it. */
function hhmm(time: string): string {
  return time.slice(0, 5);
}

/**
 * Which desktop notifications are shown: muted teams and kinds, do-not-disturb hours. The core applies
 * them (an escalation past due always breaks through); the shell keeps them in the core's settings file.
 */
export function NotificationSettings({ teams }: { teams: string[] }) {
  const backend = useBackend();
  const id = useId();
  const [preferences, setPreferences] = useState<NotificationPreferences | null>(null);
  const kinds = useKinds();
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    backend.notificationPreferences().then(
      (p) => {
        if (!live) return;
        setPreferences(p);
      },
      (e: unknown) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  if (!preferences) return error ? <ErrorNotice error={error} /> : null;

  const save = (next: NotificationPreferences) => {
    setPreferences(next);
    setError(null);
    backend.setNotificationPreferences(next).then(setPreferences, (e: unknown) => setError(toAppError(e)));
  };
  const toggleTeam = (team: string, muted: boolean) =>
    save({ ...preferences, muted_teams: muted ? [...preferences.muted_teams, team] : preferences.muted_teams.filter((t) => t !== team) });
  const toggleKind = (kind: string, muted: boolean) =>
    save({ ...preferences, muted_kinds: muted ? [...preferences.muted_kinds, kind] : preferences.muted_kinds.filter((k) => k !== kind) });
  // The known kinds, and any muted one the server no longer lists (so it can be unmuted).
  const kindChoices = [...kinds.all.map((k) => k.kind), ...preferences.muted_kinds.filter((k) => !kinds.all.some((known) => known.kind === k))];
  const quiet = preferences.quiet_hours;

  return (
    <section className="notification-settings" aria-labelledby={`${id}-h`} data-testid="notification-settings">
      <h3 id={`${id}-h`}>{t("notifications.title")}</h3>
      {teams.length > 0 && (
        <fieldset>
          <legend>{t("notifications.mutedTeams")}</legend>
          {teams.map((team) => (
            <label key={team} className="check">
              <input
                type="checkbox"
                data-testid={`mute-team-${team}`}
                checked={preferences.muted_teams.includes(team)}
                onChange={(e) => toggleTeam(team, e.target.checked)}
              />
              {team}
            </label>
          ))}
        </fieldset>
      )}
      <fieldset>
        <legend>{t("notifications.mutedKinds")}</legend>
        {kindChoices.map((kind) => (
          <label key={kind} className="check">
            <input
              type="checkbox"
              data-testid={`mute-kind-${kind}`}
              checked={preferences.muted_kinds.includes(kind)}
              onChange={(e) => toggleKind(kind, e.target.checked)}
            />
            {kinds.describe(kind).plural}
          </label>
        ))}
      </fieldset>
      <label className="check">
        <input
          type="checkbox"
          data-testid="quiet-hours"
          checked={quiet !== null}
          onChange={(e) => save({ ...preferences, quiet_hours: e.target.checked ? DEFAULT_QUIET_HOURS : null })}
        />
        {t("notifications.quiet")}
      </label>
      {quiet && (
        <div className="quiet-hours">
          <label htmlFor={`${id}-from`}>{t("notifications.from")}</label>
          <input
            id={`${id}-from`}
            data-testid="quiet-from"
            type="time"
            value={hhmm(quiet.start)}
            onChange={(e) => e.target.value && save({ ...preferences, quiet_hours: { ...quiet, start: e.target.value } })}
          />
          <label htmlFor={`${id}-until`}>{t("notifications.until")}</label>
          <input
            id={`${id}-until`}
            data-testid="quiet-until"
            type="time"
            value={hhmm(quiet.end)}
            onChange={(e) => e.target.value && save({ ...preferences, quiet_hours: { ...quiet, end: e.target.value } })}
          />
        </div>
      )}
      <p className="muted small">{t("notifications.help")}</p>
      {error && <ErrorNotice error={error} />}
    </section>
  );
}
