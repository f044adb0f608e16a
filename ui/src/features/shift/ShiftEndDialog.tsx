import { useEffect, useId, useState } from "react";
import { toAppError, type AppError, type ShiftEnd } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { ErrorNotice } from "../announce/ErrorNotice";
import { Dialog } from "../shortcuts/Dialog";
import { t } from "../../i18n";

/** What to announce once a shift has ended. */
export function shiftEndedText(end: ShiftEnd): string {
  return end.upload_error === null
    ? t("shift.ended", { released: end.released, uploaded: end.uploaded })
    : t("shift.endedOffline", { released: end.released, pending: end.pending });
}

/**
 * "End shift": says how many held items go back, takes the note for their next holder, then uploads
 * what is decided and releases the rest with the note (countersign_client::shift).
 */
export function ShiftEndDialog({ onClose, onEnded }: { onClose(): void; onEnded(end: ShiftEnd): void }) {
  const backend = useBackend();
  const ids = useId();
  const [count, setCount] = useState<number | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    backend.shiftItems().then(
      (n) => live && setCount(n),
      (e: unknown) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  const end = async () => {
    setBusy(true);
    try {
      onEnded(await backend.endShift(note));
    } catch (e) {
      setError(toAppError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("shift.title")} onClose={onClose} testId="shift-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void end();
        }}
      >
        <p data-testid="shift-count">{count === null ? t("app.loading") : t("shift.goBack", { count })}</p>
        <p className="muted">{t("shift.uploadFirst")}</p>
        <label htmlFor={`${ids}-note`}>{t("shift.note")}</label>
        <textarea
          id={`${ids}-note`}
          data-testid="shift-note"
          required
          rows={4}
          maxLength={20_000}
          placeholder={t("shift.notePlaceholder")}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        {error && <ErrorNotice error={error} testId="shift-error" />}
        <div className="panel-buttons">
          <button type="submit" className="primary" data-testid="shift-confirm" disabled={busy || !note.trim()}>
            {t("shift.confirm")}
          </button>
          <button type="button" className="quiet" onClick={onClose}>
            {t("shift.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
