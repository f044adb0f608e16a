import { useCallback, useEffect, useState } from "react";
import { toAppError, type AppError, type AppStatus, type Backend } from "../../lib/backend";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";

/** The app's status as last reported; until the first report, why it could not be read (the desktop
 * opens its session in the background, and that can fail) and a way to ask again. */
export function useAppStatus(backend: Backend): [AppStatus | null, (s: AppStatus) => void, AppError | null, () => void] {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    backend.appStatus().then(
      (s) => {
        if (cancelled) return;
        setStatus(s);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(toAppError(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [backend, attempt]);
  useBackendEvent(backend, "status", setStatus);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [status, setStatus, status ? null : error, retry];
}
