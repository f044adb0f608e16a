import { useCallback, useEffect, useState } from "react";
import { toAppError, type AppError, type Backend, type Directory, type QueueHealth, type UserChange } from "../../lib/backend";

export interface AdminData {
  directory: Directory | null;
  health: QueueHealth | null;
  /** When the last refresh finished (ms). */
  loadedAt: number | null;
  error: AppError | null;
  refresh(): Promise<void>;
  /** Applies a change; the server's refusal is returned (and nothing changed), not thrown. */
  change(name: string, change: UserChange): Promise<AppError | null>;
}

/** The admin view's data: users, teams and queue health, read again on refresh and when the window gets focus. */
export function useAdmin(backend: Backend, now: () => number = Date.now): AdminData {
  const [directory, setDirectory] = useState<Directory | null>(null);
  const [health, setHealth] = useState<QueueHealth | null>(null);
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [d, h] = await Promise.all([backend.adminDirectory(), backend.queueHealth()]);
      setDirectory(d);
      setHealth(h);
      setLoadedAt(now());
      setError(null);
    } catch (e) {
      setError(toAppError(e));
    }
  }, [backend, now]);

  useEffect(() => {
    void refresh();
    const onFocus = () => void refresh();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [refresh]);

  const change = useCallback(
    async (name: string, patch: UserChange) => {
      try {
        const user = await backend.changeUser(name, patch);
        setDirectory((d) => d && { ...d, users: d.users.map((u) => (u.name === name ? user : u)) });
        // Disabling or moving someone gives their items back: the health changed too.
        setHealth(await backend.queueHealth());
        return null;
      } catch (e) {
        return toAppError(e);
      }
    },
    [backend],
  );

  return { directory, health, loadedAt, error, refresh, change };
}
