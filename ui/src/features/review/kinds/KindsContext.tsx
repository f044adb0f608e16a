import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { Backend, KindDefinition, KindList } from "../../../lib/backend";
import { useBackendEvent } from "../../../lib/backend/useBackendEvent";
import { describeKind, KINDS, type KindUi } from "./registry";

/** The kinds the interface knows: the server's definitions (as last synced) over the built-in fallbacks. */
export interface Kinds {
  definition(kind: string): KindDefinition | null;
  describe(kind: string): KindUi;
  /** The inbox filter's options: every registered kind, and the built-in ones. */
  all: KindUi[];
}

export function kindsFrom(list: KindList): Kinds {
  const byKind = new Map(list.kinds.map((d) => [d.kind, d]));
  const names = [...KINDS.map((k) => k.kind).filter((k) => !byKind.has(k)), ...byKind.keys()];
  const cache = new Map<string, KindUi>();
  const describe = (kind: string) => {
    let ui = cache.get(kind);
    if (!ui) cache.set(kind, (ui = describeKind(kind, byKind.get(kind))));
    return ui;
  };
  return { definition: (kind) => byKind.get(kind) ?? null, describe, all: names.map(describe) };
}

const NONE = kindsFrom({ kinds: [] });
const KindsContext = createContext<Kinds>(NONE);

/**
 * Loads the kind definitions once and again after each sync (the status event carries the sync's
 * time): the desktop core refreshes them from `GET /v1/kinds` as part of a sync. Until they arrive,
 * and if they cannot be read, the built-in kinds keep their own labels and reasons.
 */
export function KindsProvider({ backend, children }: { backend: Backend; children: ReactNode }) {
  const [list, setList] = useState<KindList | null>(null);
  const lastSync = useRef<string | null | undefined>(undefined);
  const load = useCallback(() => {
    backend.kinds().then(setList, () => {});
  }, [backend]);
  useEffect(load, [load]);
  useBackendEvent(backend, "status", (status) => {
    if (status.last_sync === lastSync.current) return;
    lastSync.current = status.last_sync;
    load();
  });
  const kinds = useMemo(() => (list ? kindsFrom(list) : NONE), [list]);
  return <KindsContext.Provider value={kinds}>{children}</KindsContext.Provider>;
}

export function useKinds(): Kinds {
  return useContext(KindsContext);
}
