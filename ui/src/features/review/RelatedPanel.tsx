import { useCallback, useEffect, useId, useImperativeHandle, useRef, useState, type Ref } from "react";
import { toAppError, type AppError, type RelatedCases } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";
import { actionDoneLabel, formatDateTime } from "../../lib/format";
import { t } from "../../i18n";
import { plainError } from "../announce/ErrorNotice";
import { KeyHint } from "../shortcuts/KeyHint";
import { useKinds } from "./kinds/KindsContext";

export interface RelatedHandle {
  /** Opens the focused related case if it is held here, else the first held one; false if there is none. */
  openHeld(): boolean;
}

interface Props {
  itemId: string;
  onOpen(itemId: string): void;
  ref?: Ref<RelatedHandle>;
}

/** Other cases sharing the open item's identifying values: held ones open here, decided ones show their outcome. */
export function RelatedPanel({ itemId, onOpen, ref }: Props) {
  const backend = useBackend();
  const kinds = useKinds();
  const ids = useId();
  const list = useRef<HTMLUListElement>(null);
  const [related, setRelated] = useState<RelatedCases | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const load = useCallback(() => {
    backend.related(itemId).then(
      (r) => {
        setRelated(r);
        setError(null);
      },
      (e: unknown) => {
        const err = toAppError(e);
        // An item the store no longer has has no related cases to show.
        setError(err.code === "not_found" ? null : err);
        if (err.code === "not_found") setRelated(null);
      },
    );
  }, [backend, itemId]);
  useEffect(load, [load]);
  // A decision here or a sync changes the outcomes shown.
  useBackendEvent(backend, "inbox", load);

  useImperativeHandle(ref, () => ({
    openHeld: () => {
      const focused = document.activeElement?.closest<HTMLElement>("[data-related-id]");
      const held = related?.cases.filter((c) => c.held) ?? [];
      const target = held.find((c) => focused && list.current?.contains(focused) && c.item_id === focused.dataset.relatedId) ?? held[0];
      if (target) onOpen(target.item_id);
      return target !== undefined;
    },
  }));

  const fieldLabel = (kind: string, name: string) => kinds.describe(kind).definition?.hints.identifiers.find((i) => i.filter === name)?.label ?? name;

  if (!error && (!related || related.cases.length === 0) && related?.source !== "held_only") return null;
  return (
    <section className="panel related" aria-labelledby={`${ids}-h`} data-testid="related-panel" data-source={related?.source}>
      <h3 id={`${ids}-h`}>
        {t("related.title", { count: related?.cases.length ?? 0 })} <KeyHint command="openRelated" />
      </h3>
      {related?.source === "held_only" && (
        <p className="muted small" data-testid="related-held-only">
          {t("related.heldOnly")}
        </p>
      )}
      {error && <p className="error-text">{plainError(error)}</p>}
      {related && related.cases.length === 0 && <p className="muted small">{t("related.none")}</p>}
      <ul className="related-list" ref={list}>
        {related?.cases.map((c) => {
          const shared = c.shared.map((f) => `${fieldLabel(c.kind, f.name)}: ${f.value}`).join(" · ");
          return (
            <li key={c.item_id} className="related-case" data-testid="related-case" data-related-id={c.item_id} data-held={c.held}>
              {c.held ? (
                <button type="button" className="link" data-related-id={c.item_id} onClick={() => onOpen(c.item_id)}>
                  {c.title}
                </button>
              ) : (
                <span className="related-title">{c.title}</span>
              )}
              <div className="muted small">
                <span className="kind-chip">{kinds.describe(c.kind).label}</span> {shared}
              </div>
              <div className="small">
                {c.outcome ? (
                  <span data-testid="related-outcome">
                    <strong>{actionDoneLabel(c.outcome)}</strong> {formatDateTime(c.decided_at)}
                  </span>
                ) : c.held ? (
                  <span className="muted">{t("related.heldHere")}</span>
                ) : (
                  <span className="muted">{t("related.elsewhere")}</span>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
