import { useEffect, useEffectEvent } from "react";
import type { Backend, Unlisten } from "./backend";
import type { AppStatus, NoticeTarget } from "./types";

/** The backend's events and what each carries. */
export interface BackendEvents {
  /** The connection, the outbox or the sign-in changed. */
  status: AppStatus;
  /** Rows were added, decided, uploaded or taken away. */
  inbox: void;
  /** A desktop notification was clicked: open what it is about. */
  notice: NoticeTarget;
}

const SUBSCRIBE: { [E in keyof BackendEvents]: (backend: Backend, handler: (payload: BackendEvents[E]) => void) => Promise<Unlisten> } = {
  status: (backend, handler) => backend.onStatusChanged(handler),
  inbox: (backend, handler) => backend.onInboxChanged(handler),
  notice: (backend, handler) => backend.onNoticeClicked(handler),
};

/**
 * Calls `handler` (always its latest version) on every `event` while the component is mounted and
 * `enabled`. The one way the UI subscribes to the backend: a subscription that resolves after unmount
 * is undone at once.
 */
export function useBackendEvent<E extends keyof BackendEvents>(
  backend: Backend,
  event: E,
  handler: (payload: BackendEvents[E]) => void,
  enabled = true,
): void {
  const onEvent = useEffectEvent(handler);
  useEffect(() => {
    if (!enabled) return;
    let unlisten: Unlisten | undefined;
    let cancelled = false;
    void SUBSCRIBE[event](backend, (payload) => onEvent(payload)).then((u) => {
      if (cancelled) u();
      else unlisten = u;
    });
    return () => {
      cancelled = true;
      unlisten?.();
    };
  }, [backend, event, enabled]);
}
