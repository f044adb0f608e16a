import { useEffect, useState } from "react";
import { t } from "../../i18n";

export interface ToastMessage {
  text: string;
  /** Offers to undo the last decision. */
  undoable: boolean;
  /** When the undoable decision was recorded (ms since the epoch): its upload countdown starts there. */
  decidedAt?: number;
  /** Bumped per message, so the same text said twice is announced twice. */
  n: number;
}

/** The longest undo window the settings offer (the core caps it too). */
export const UNDO_WINDOW_MAX_SECONDS = 30;

/** Whole seconds left before an undoable decision is uploaded; 0 when it is due or has no window. */
export function secondsUntilUpload(decidedAt: number | undefined, windowSeconds: number, now: number): number {
  if (decidedAt === undefined || windowSeconds <= 0) return 0;
  // Capped: a clock read before the message arrived must not show more than the window.
  return Math.min(windowSeconds, Math.max(0, Math.ceil((decidedAt + windowSeconds * 1000 - now) / 1000)));
}

/** How long a message stays: long enough to read it and reach Undo, short enough not to linger. */
export const TOAST_MS = 6_000;
export const UNDO_TOAST_MS = 10_000;

/**
 * The app's live region (always in the page, so screen readers announce what appears in it) and the
 * message shown in it. It sits over the inbox column, never over the decision controls, and goes away
 * by itself; while the pointer or the focus is on it, it stays.
 */
export function Toast({
  message,
  undoLabel,
  onUndo,
  undoWindowSeconds = 0,
}: {
  message: ToastMessage | null;
  undoLabel: string | null;
  onUndo: (() => void) | null;
  /** Online, how long a decision waits before upload: Undo counts it down. */
  undoWindowSeconds?: number;
}) {
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

  const [now, setNow] = useState(() => Date.now());
  const decidedAt = undoable ? message?.decidedAt : undefined;
  const left = secondsUntilUpload(decidedAt, undoWindowSeconds, now);
  const counting = left > 0;
  useEffect(() => {
    if (!counting) return;
    const tick = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(tick);
  }, [counting]);

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
              {left > 0 ? t("toast.undoCountdown", { seconds: left }) : t("toast.undo")}
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
