import { useEffect, useEffectEvent } from "react";
import type { Backend } from "./backend";
import { subscribe, type BackendEvent, type BackendEvents } from "./events";

/**
 * Calls `handler` (always its latest version) on every `event` while the component is mounted and
 * `enabled`. The one way the UI's components subscribe to the backend (through `subscribe`: one
 * backend listener per event, however many components hear it).
 */
export function useBackendEvent<E extends BackendEvent>(
  backend: Backend,
  event: E,
  handler: (payload: BackendEvents[E]) => void,
  enabled = true,
): void {
  const onEvent = useEffectEvent(handler);
  useEffect(() => {
    if (!enabled) return;
    return subscribe(backend, event, (payload) => onEvent(payload));
  }, [backend, event, enabled]);
}
