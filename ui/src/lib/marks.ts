/** Marks the first time `name` happens with a performance mark: the desktop bench
 * (tests/benches/desktop.rs) reads them to show where the start-up time goes. */
const marked = new Set<string>();
export function markFirst(name: string) {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(name);
}
