import { useCallback, useEffect, useId, useState } from "react";
import { toAppError, type AppError, type SavedView, type SavedViewCount, type ViewFilter } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";
import { formatCount } from "../../lib/format";
import { t } from "../../i18n";
import { ErrorNotice } from "../announce/ErrorNotice";
import { compactCount } from "../inbox/Inbox";

/** A view's name: the catalogue's for a builtin one, the reviewer's own otherwise. */
export function viewName(view: SavedView): string {
  return view.builtin ? t(`views.builtin.${view.builtin}`) : view.name;
}

/** Whether the inbox shows exactly this view now. */
export function sameFilter(a: ViewFilter, b: ViewFilter): boolean {
  return (
    a.kind === b.kind &&
    a.stage === b.stage &&
    a.risk === b.risk &&
    a.status === b.status &&
    a.sort === b.sort &&
    a.due_within_minutes === b.due_within_minutes &&
    a.search === b.search
  );
}

interface Props {
  filters: ViewFilter;
  onApply(filter: ViewFilter): void;
  onMessage(text: string): void;
}

/** The views sidebar: builtin and own views with live counts (refreshed on every inbox change). */
export function SavedViews({ filters, onApply, onMessage }: Props) {
  const backend = useBackend();
  const ids = useId();
  const [views, setViews] = useState<SavedViewCount[]>([]);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<AppError | null>(null);

  const load = useCallback(() => {
    backend.savedViews().then(setViews, (e: unknown) => setError(toAppError(e)));
  }, [backend]);
  useEffect(load, [load]);
  useBackendEvent(backend, "inbox", load);

  const save = async () => {
    try {
      const view = await backend.saveView(name, filters);
      setNaming(false);
      setName("");
      setError(null);
      onMessage(t("views.saved", { name: view.name }));
      load();
    } catch (e) {
      setError(toAppError(e));
    }
  };

  const remove = async (view: SavedView) => {
    try {
      await backend.deleteView(view.id);
      setError(null);
      load();
    } catch (e) {
      setError(toAppError(e));
    }
  };

  return (
    <nav className="views-sidebar" aria-labelledby={`${ids}-h`} data-testid="saved-views">
      <h2 id={`${ids}-h`}>{t("views.title")}</h2>
      <ul>
        {views.map(({ view, count }) => (
          <li key={view.id} className="view-entry">
            <button
              type="button"
              className="view-button"
              data-testid="view"
              data-view-id={view.id}
              aria-pressed={sameFilter(view.filter, filters)}
              onClick={() => onApply(view.filter)}
            >
              <span className="view-name" title={viewName(view)}>
                {viewName(view)}
              </span>
              <span className="count" aria-label={t("views.count", { formatted: formatCount(count) })}>
                {compactCount(count)}
              </span>
            </button>
            {!view.builtin && (
              <button type="button" className="quiet view-delete" data-testid="view-delete" aria-label={t("views.delete", { name: view.name })} onClick={() => void remove(view)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {naming ? (
        <form
          className="view-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label htmlFor={`${ids}-name`} className="sr-only">
            {t("views.name")}
          </label>
          <input
            id={`${ids}-name`}
            data-testid="view-name"
            value={name}
            placeholder={t("views.name")}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setNaming(false);
              }
            }}
          />
          <button type="submit" data-testid="view-save-confirm">
            {t("views.saveConfirm")}
          </button>
          <button type="button" className="quiet" onClick={() => setNaming(false)}>
            {t("views.cancel")}
          </button>
        </form>
      ) : (
        <button type="button" className="quiet" data-testid="view-save" onClick={() => setNaming(true)}>
          {t("views.save")}
        </button>
      )}
      {error && <ErrorNotice error={error} className="error-plain" testId="views-error" />}
    </nav>
  );
}
