import { useCallback, useEffect, useState } from "react";
import type { Backend } from "../../lib/backend";
import type { FatigueSignals } from "../../lib/backend/generated/FatigueSignals";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";

/**
 * The reviewer's own fatigue signals, judged by the core from the decisions made here: read at start
 * and again whenever the status changes (each decision, undo and sync changes it).
 */
export function useOwnFatigue(backend: Backend, enabled: boolean): FatigueSignals | null {
  const [signals, setSignals] = useState<FatigueSignals | null>(null);
  const refresh = useCallback(() => {
    // A failure leaves the last signals shown: the suggestion is a courtesy, never in the way.
    backend.ownFatigue().then(setSignals, () => undefined);
  }, [backend]);
  useEffect(() => {
    if (enabled) refresh();
  }, [enabled, refresh]);
  useBackendEvent(backend, "status", refresh, enabled);
  return enabled ? signals : null;
}
