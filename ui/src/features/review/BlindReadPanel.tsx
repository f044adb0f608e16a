import { useId, useState, type FormEvent } from "react";
import { toAppError, type AppError, type AssignmentView, type BlindVerdict } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { t } from "../../i18n";
import { ErrorNotice } from "../announce/ErrorNotice";
import { ItemHeader } from "./ItemHeader";
import { useKinds } from "./kinds/KindsContext";
import { viewFor } from "./kinds/registry";

const VERDICTS: BlindVerdict[] = ["approve", "reject"];
const CONFIDENCES = [1, 2, 3, 4, 5];

/**
 * An item read blind first, before the reviewer's own read (docs/protocol.md, "Blind first read"):
 * the case without anything of the AI's judgement, and the reviewer's verdict, confidence and note.
 * Recording it reveals the proposal (the backend answers with the item as it now shows).
 */
export function BlindItemView({ view, now, onRevealed }: { view: AssignmentView; now: number; onRevealed?(view: AssignmentView): void }) {
  const { item } = view;
  // The kind's own layout of the case; the desktop core has already withheld the AI's output, reasoning,
  // signals and evidence, so the view shows the case alone (and no draft editor: nothing to edit yet).
  const { definition } = useKinds().describe(item.kind);
  const KindView = viewFor(item, definition);
  const backend = useBackend();
  const ids = useId();
  const [verdict, setVerdict] = useState<BlindVerdict | null>(null);
  const [confidence, setConfidence] = useState(3);
  const [note, setNote] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [hint, setHint] = useState(false);
  const [busy, setBusy] = useState(false);

  async function record(event: FormEvent) {
    event.preventDefault();
    if (!verdict) {
      setHint(true);
      return;
    }
    setBusy(true);
    try {
      const revealed = await backend.recordBlindRead(item.id, { verdict, confidence, note: note.trim() || undefined });
      onRevealed?.(revealed);
    } catch (caught) {
      setError(toAppError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="item-view blind-view" aria-labelledby={`${ids}-title`} data-testid="item-view" data-item-id={item.id} data-kind={item.kind} data-blind="pending">
      <ItemHeader view={view} now={now} titleId={`${ids}-title`} />
      <div className="item-body" tabIndex={0} role="region" aria-label={t("item.details")} data-scroll-body>
        <section aria-labelledby={`${ids}-case`} data-testid="blind-case">
          <h3 id={`${ids}-case`}>{t("blind.case")}</h3>
          <KindView item={item} now={now} definition={definition} editor={null} />
        </section>
        <form className="panel blind-read" aria-labelledby={`${ids}-read`} data-testid="blind-read" onSubmit={record}>
          <h3 id={`${ids}-read`}>{t("blind.title")}</h3>
          <p>{t("blind.intro")}</p>
          <fieldset>
            <legend>{t("blind.verdictLegend")}</legend>
            {VERDICTS.map((v) => (
              <label key={v}>
                <input type="radio" name={`${ids}-verdict`} value={v} checked={verdict === v} data-testid={`blind-verdict-${v}`} onChange={() => { setVerdict(v); setHint(false); }} />
                {t(`blind.verdict.${v}`)}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t("blind.confidenceLegend")}</legend>
            <p className="hint">{t("blind.confidenceHint")}</p>
            {CONFIDENCES.map((c) => (
              <label key={c}>
                <input type="radio" name={`${ids}-confidence`} value={c} checked={confidence === c} data-testid={`blind-confidence-${c}`} onChange={() => setConfidence(c)} />
                {c}
              </label>
            ))}
          </fieldset>
          <label>
            {t("blind.note")}
            <textarea data-testid="blind-note" value={note} maxLength={4000} onChange={(e) => setNote(e.target.value)} />
          </label>
          {hint && <p role="alert">{t("blind.needVerdict")}</p>}
          {error && <ErrorNotice error={error} />}
          <button type="submit" className="primary" data-testid="blind-record" disabled={busy}>
            {t("blind.record")}
          </button>
        </form>
      </div>
    </article>
  );
}
