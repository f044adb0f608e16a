import { useCallback, useMemo, useState } from "react";

/** What a bulk decision needs to know of a selected row without fetching it again. */
export interface SelectedRow {
  item_id: string;
  kind: string;
  title: string;
}

export interface Selection {
  /** The selected rows by item id (one Map, copied on change: a row re-renders only by its own `has`). */
  rows: ReadonlyMap<string, SelectedRow>;
  size: number;
  has(itemId: string): boolean;
  toggle(row: SelectedRow): void;
  add(rows: readonly SelectedRow[]): void;
  remove(itemIds: Iterable<string>): void;
  clear(): void;
}

/** The inbox rows chosen for a bulk decision, by `x`, Shift+J/K or "select all" of a search. */
export function useSelection(): Selection {
  const [rows, setRows] = useState<ReadonlyMap<string, SelectedRow>>(() => new Map());
  const toggle = useCallback((row: SelectedRow) => {
    setRows((current) => {
      const next = new Map(current);
      if (next.has(row.item_id)) next.delete(row.item_id);
      else next.set(row.item_id, row);
      return next;
    });
  }, []);
  const add = useCallback((added: readonly SelectedRow[]) => {
    setRows((current) => {
      if (added.every((r) => current.has(r.item_id))) return current;
      const next = new Map(current);
      for (const r of added) next.set(r.item_id, r);
      return next;
    });
  }, []);
  const remove = useCallback((itemIds: Iterable<string>) => {
    setRows((current) => {
      const next = new Map(current);
      for (const id of itemIds) next.delete(id);
      return next.size === current.size ? current : next;
    });
  }, []);
  const clear = useCallback(() => setRows((current) => (current.size ? new Map() : current)), []);
  return useMemo(
    () => ({ rows, size: rows.size, has: (id: string) => rows.has(id), toggle, add, remove, clear }),
    [rows, toggle, add, remove, clear],
  );
}
