import { useEffect, useState } from "react";
import { toAppError, type AppError, type Backend } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";

/** One statistics report as a section shows it: fetched once when the section mounts. */
export function useReport<T>(fetch: (backend: Backend) => Promise<T>): { report: T | null; error: AppError | null } {
  const backend = useBackend();
  const [state, setState] = useState<{ report: T | null; error: AppError | null }>({ report: null, error: null });
  useEffect(() => {
    let live = true;
    fetch(backend).then(
      (report) => live && setState({ report, error: null }),
      (caught: unknown) => live && setState({ report: null, error: toAppError(caught) }),
    );
    return () => {
      live = false;
    };
    // `fetch` names one backend call and never changes for a section.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [backend]);
  return state;
}
