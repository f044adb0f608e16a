import { useEffect, useState } from "react";
import type { AppStatus, Backend } from "../../lib/backend";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";

export function useAppStatus(backend: Backend): [AppStatus | null, (s: AppStatus) => void] {
  const [status, setStatus] = useState<AppStatus | null>(null);
  useEffect(() => {
    let cancelled = false;
    void backend.appStatus().then((s) => !cancelled && setStatus(s), () => undefined);
    return () => {
      cancelled = true;
    };
  }, [backend]);
  useBackendEvent(backend, "status", setStatus);
  return [status, setStatus];
}
