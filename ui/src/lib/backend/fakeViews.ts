// The fake backend's saved views (development and tests only), kept in memory as the store keeps them.
import { BackendError } from "./backend";
import type { BuiltinView, Role, SavedView, ViewFilter } from "./types";

const EVERYTHING: ViewFilter = { kind: null, stage: null, risk: null, status: null, sort: "priority", due_within_minutes: null, search: null };
const OPEN: ViewFilter = { ...EVERYTHING, status: "open" };

/** The builtin views and their filters (as the core defines them), in the order the sidebar lists them. */
export const BUILTIN_VIEWS: Record<BuiltinView, ViewFilter> = {
  everything: EVERYTHING,
  due_next_hour: { ...OPEN, sort: "due", due_within_minutes: 60 },
  high_risk: { ...OPEN, risk: "high", sort: "risk" },
  escalations: { ...OPEN, stage: "escalation", sort: "due" },
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
