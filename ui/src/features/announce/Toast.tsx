import { useEffect, useState } from "react";
import { t } from "../../i18n";

export interface ToastMessage {
  text: string;
  /** Offers to undo the last decision. */
  undoable: boolean;
  /** Bumped per message, so the same text said twice is announced twice. */
  n: number;
}

/** How long a message stays: long enough to read it and reach Undo, short enough not to linger. */
export const TOAST_MS = 6_000;
export const UNDO_TOAST_MS = 10_000;

/**
 * The app's live region (always in the page, so screen readers announce what appears in it) and the
 * message shown in it. It sits over the inbox column, never over the decision controls, and goes away
 * by itself; while the pointer or the focus is on it, it stays.
 */
export function Toast({ message, undoLabel, onUndo }: { message: ToastMessage | null; undoLabel: string | null; onUndo: (() => void) | null }) {
  const [dismissed, setDismissed] = useState<number | null>(null);
  // Held for one message only: a toast removed under the pointer or the focus never holds the next one.
  const [heldFor, setHeldFor] = useState<number | null>(null);
  const n = message?.n ?? null;
  const held = n !== null && heldFor === n;
  const undoable = message?.undoable ?? false;

  useEffect(() => {
    if (n === null || held) return;
    const t = setTimeout(() => setDismissed(n), undoable ? UNDO_TOAST_MS : TOAST_MS);
    return () => clearTimeout(t);
  }, [n, held, undoable]);

  const visible = message && dismissed !== message.n;
  return (
    <div className="toast-region" role="status" aria-live="polite" data-testid="announcer">
      {visible && (
        <div
          className="toast"
          key={message.n}
          data-testid="toast"
          onMouseEnter={() => setHeldFor(message.n)}
          onMouseLeave={() => setHeldFor(null)}
          onFocus={() => setHeldFor(message.n)}
          onBlur={() => setHeldFor(null)}
        >
          <span>
            {message.text}
            {message.undoable && undoLabel && ` ${t("toast.pressToUndo", { key: undoLabel })}`}
          </span>
          {message.undoable && onUndo && (
            <button type="button" className="link" data-testid="toast-undo" onClick={onUndo}>
              {t("toast.undo")}
            </button>
          )}
          <button type="button" className="toast-close link" aria-label={t("toast.dismiss")} onClick={() => setDismissed(message.n)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
