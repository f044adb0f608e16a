import { useId, useState } from "react";
import { toAppError, type AppError, type AppStatus } from "../../lib/backend";
import { UNDO_WINDOW_MAX_SECONDS } from "../announce/Toast";
import { ErrorNotice } from "../announce/ErrorNotice";
import { useBackend } from "../../lib/backend/context";
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
