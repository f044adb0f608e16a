import { useCallback, useEffect, useState } from "react";
import { toAppError, type AppError, type ConflictRecord } from "../../lib/backend";
import { ErrorNotice } from "../announce/ErrorNotice";
import { useBackend } from "../../lib/backend/context";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";
import { formatDateTime, humanizeKey } from "../../lib/format";
import { StructuredValue } from "../review/StructuredValue";
import { KeyHint } from "../shortcuts/KeyHint";
import { t } from "../../i18n";

/** Decisions the server kept only as late opinions: both versions side by side. */
export function ConflictsView({ onClose, onOpenItem }: { onClose(): void; onOpenItem(itemId: string): void }) {
  const backend = useBackend();
  const [conflicts, setConflicts] = useState<ConflictRecord[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const reload = useCallback(() => {
    backend.listConflicts().then(setConflicts, (e) => setError(toAppError(e)));
  }, [backend]);

  useEffect(() => reload(), [reload]);
  useBackendEvent(backend, "status", () => reload());

  const resolve = async (id: number) => {
    try {
      await backend.resolveConflict(id);
      reload();
    } catch (e) {
      setError(toAppError(e));
    }
  };

  return (
    <section className="conflicts" data-testid="conflicts-view" aria-labelledby="conflicts-h">
      <header className="item-head row">
        <h2 id="conflicts-h" tabIndex={-1}>
          {t("conflicts.title")}
        </h2>
        <button type="button" onClick={onClose} data-testid="conflicts-close">
          {t("conflicts.back")} <KeyHint command="close" />
        </button>
      </header>
      <p className="muted">
        {t("conflicts.intro")}
      </p>
      {error && <ErrorNotice error={error} />}
      {conflicts?.length === 0 && <div className="empty">{t("conflicts.none")}</div>}
      {conflicts?.map((c) => (
        <article key={c.id} className="conflict" data-testid="conflict" data-conflict-id={c.id}>
          <header className="conflict-head">
            <span className="status-chip status-conflict">{humanizeKey(c.code)}</span>
            <span>{c.message}</span>
            <span className="muted small">{formatDateTime(c.created_at)}</span>
          </header>
          <div className="versions">
            <div className="version">
              <h3>{t("conflicts.yours")}</h3>
              <div data-testid="conflict-local">
                <StructuredValue value={c.local_version} />
              </div>
            </div>
            <div className="version">
              <h3>{t("conflicts.server")}</h3>
              <div data-testid="conflict-server">
                <StructuredValue value={c.server_version} />
              </div>
            </div>
          </div>
          <footer className="panel-buttons">
            <button type="button" onClick={() => onOpenItem(c.item_id)}>
              {t("conflicts.open")}
            </button>
            <button type="button" className="primary" data-testid="conflict-resolve" onClick={() => void resolve(c.id)}>
              {t("conflicts.resolve")}
            </button>
          </footer>
        </article>
      ))}
    </section>
  );
}
