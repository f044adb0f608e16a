// The fake backend's saved views (development and tests only), kept in memory as the store keeps them.
import { BackendError } from "./backend";
import type { BuiltinView, Role, SavedView, ViewFilter } from "./types";

const ANY: ViewFilter = { kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, search: null };

/** The builtin views and their filters, in the order the sidebar lists them. */
export const BUILTIN_VIEWS: Record<BuiltinView, ViewFilter> = {
  everything: ANY,
  due_next_hour: { ...ANY, sort: "due", due_within_minutes: 60 },
  high_risk: { ...ANY, risk: "high", sort: "risk" },
  escalations: { ...ANY, stage: "escalation" },
};

export class FakeViews {
  private readonly own: SavedView[] = [];
  private next = 1;

  /** Builtins for the role (escalations for seniors and admins), then the reviewer's own by name. */
  list(role: Role): SavedView[] {
    const builtins = (Object.keys(BUILTIN_VIEWS) as BuiltinView[])
      .filter((b) => b !== "escalations" || role !== "reviewer")
      .map((b): SavedView => ({ id: `builtin:${b}`, name: "", builtin: b, filter: BUILTIN_VIEWS[b] }));
    return [...builtins, ...[...this.own].sort((a, b) => a.name.localeCompare(b.name))];
  }

  save(name: string, filter: ViewFilter): SavedView {
    const trimmed = name.trim();
    if (!trimmed) throw new BackendError("invalid_input", "a view needs a name");
    if (this.own.some((v) => v.name === trimmed)) throw new BackendError("invalid_input", `there is already a view named ${trimmed}`);
    const view: SavedView = { id: `view-${this.next++}`, name: trimmed, builtin: null, filter: structuredClone(filter) };
    this.own.push(view);
    return view;
  }

  delete(id: string) {
    if (id.startsWith("builtin:")) throw new BackendError("invalid_input", "a builtin view cannot be deleted");
    const index = this.own.findIndex((v) => v.id === id);
    if (index < 0) throw new BackendError("not_found", "there is no such view");
    this.own.splice(index, 1);
  }
}
