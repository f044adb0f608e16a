import { useEffect, useState } from "react";
import type { AppStatus, Backend } from "../../lib/backend";

export function useAppStatus(backend: Backend): [AppStatus | null, (s: AppStatus) => void] {
  const [status, setStatus] = useState<AppStatus | null>(null);
  useEffect(() => {
    let cancelled = false;
    let unlisten: (() => void) | undefined;
    void backend.appStatus().then((s) => !cancelled && setStatus(s), () => undefined);
    void backend.onStatusChanged((s) => !cancelled && setStatus(s)).then((u) => (cancelled ? u() : (unlisten = u)));
    return () => {
      cancelled = true;
      unlisten?.();
    };
  }, [backend]);
  return [status, setStatus];
}
