import { useId, useState } from "react";
import { toAppError, type AppError, type IssuedToken } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { formatDateTime } from "../../lib/format";
import { ErrorNotice } from "../announce/ErrorNotice";
import { Dialog } from "../shortcuts/Dialog";
import { t } from "../../i18n";

/**
 * Rotates a user's token and shows the new one once. It lives only in this dialog's state: closing the
 * dialog drops it, and nothing writes it to storage or a log.
 */
export function TokenDialog({ name, onClose }: { name: string; onClose(): void }) {
  const backend = useBackend();
  const ids = useId();
  const [expiresIn, setExpiresIn] = useState("");
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);

  const issue = async () => {
    setBusy(true);
    try {
      const trimmed = expiresIn.trim();
      setIssued(await backend.rotateToken(name, trimmed ? { expires_in: trimmed } : {}));
      setError(null);
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("admin.rotateTitle", { name })} onClose={onClose} testId="token-dialog">
      {issued ? (
        <>
          <p>{t("admin.tokenOnce", { name })}</p>
          <label htmlFor={`${ids}-token`}>{t("admin.token")}</label>
          <div className="token-row">
            <input id={`${ids}-token`} className="token-value" data-testid="issued-token" readOnly value={issued.token} onFocus={(e) => e.target.select()} />
            <button
              type="button"
              data-testid="copy-token"
              onClick={() => void navigator.clipboard?.writeText(issued.token).then(() => setCopied(true), () => setCopied(false))}
            >
              {t("admin.copy")}
            </button>
          </div>
          <p className="muted" role="status">
            {issued.expires_at ? t("admin.expiresAt", { at: formatDateTime(issued.expires_at) }) : t("admin.neverExpires")}
            {copied && ` ${t("admin.copied")}`}
          </p>
          <div className="panel-buttons">
            <button type="button" className="primary" data-testid="token-done" onClick={onClose}>
              {t("admin.done")}
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void issue();
          }}
        >
          <p>{t("admin.rotateText", { name })}</p>
          <label htmlFor={`${ids}-expires`}>{t("admin.expiresIn")}</label>
          <input id={`${ids}-expires`} data-testid="token-expires" value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)} />
          {error && <ErrorNotice error={error} testId="token-error" />}
          <div className="panel-buttons">
            <button type="submit" className="primary" data-testid="token-issue" disabled={busy}>
              {t("admin.issue")}
            </button>
            <button type="button" className="quiet" onClick={onClose}>
              {t("admin.cancel")}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
