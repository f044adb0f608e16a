import { useId, useState } from "react";
import { toAppError, type AppError, type AppStatus } from "../../lib/backend";
import { ErrorNotice } from "../announce/ErrorNotice";
import { useBackend } from "../../lib/backend/context";

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
      <h2 id={`${ids}-h`}>Connect to a queue</h2>
      <p className="muted">Your token is stored in the system keyring, never in a file.</p>
      <label htmlFor={`${ids}-server`}>Server URL</label>
      <input
        id={`${ids}-server`}
        data-testid="sign-in-server"
        type="url"
        required
        autoComplete="url"
        value={server}
        onChange={(e) => setServer(e.target.value)}
      />
      <label htmlFor={`${ids}-token`}>Token</label>
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
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <button type="button" disabled={busy} data-testid="use-demo" onClick={() => void run(() => backend.useEmbeddedDemo())}>
          Use the built-in demo queue
        </button>
        {status?.signed_in_as && (
          <button type="button" className="quiet" disabled={busy} data-testid="sign-out" onClick={() => void run(() => backend.signOut())}>
            Sign out
          </button>
        )}
      </div>
      {status && (
        <p className="muted small" data-testid="sign-in-current">
          Currently: {status.mode === "embedded" ? "built-in demo queue" : status.server}
          {status.signed_in_as ? `, signed in as ${status.signed_in_as.name}` : ", signed out"}.
        </p>
      )}
    </form>
  );
}
