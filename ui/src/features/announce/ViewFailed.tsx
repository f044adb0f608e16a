import { toAppError } from "../../lib/backend";
import { ErrorNotice } from "./ErrorNotice";

/**
 * What an error boundary shows in place of a view that failed to load or render: what happened, the
 * error behind "Details", and one way out. Without it React would unmount the whole window.
 */
export function ViewFailed({ error, what, action, onAction }: { error: unknown; what: string; action: string; onAction: () => void }) {
  return (
    <main className="center-pane" id="review" data-testid="view-failed">
      <p className="empty big">{what}</p>
      <ErrorNotice error={toAppError(error)} />
      <button type="button" onClick={onAction} data-testid="view-failed-action">
        {action}
      </button>
    </main>
  );
}
