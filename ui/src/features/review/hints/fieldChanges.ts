// The field-level difference between the AI's structured output and a person's version: one change
// per value that differs, as RFC 6902 operations (docs/protocol.md, "Corrections"). The queue records
// the authoritative patch; this one is for showing the change field by field.

export interface FieldChange {
  op: "add" | "remove" | "replace";
  /** The JSON Pointer of the value, from the output's root. */
  path: string;
  /** The AI's value (absent for an added one). */
  before?: unknown;
  /** The person's value (absent for a removed one). */
  after?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const escapeToken = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The changes that turn `before` into `after`, deepest values first where both sides have the same
 * shape; array elements past the shorter side are added or removed (removals from the end, so the
 * changes applied in order are a valid patch).
 */
export function fieldChanges(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (same(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const changes: FieldChange[] = [];
    for (const key of Object.keys(before)) {
      const at = `${path}/${escapeToken(key)}`;
      if (Object.hasOwn(after, key)) changes.push(...fieldChanges(before[key], after[key], at));
      else changes.push({ op: "remove", path: at, before: before[key] });
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key)) changes.push({ op: "add", path: `${path}/${escapeToken(key)}`, after: after[key] });
    }
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: FieldChange[] = [];
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) changes.push(...fieldChanges(before[i], after[i], `${path}/${i}`));
    for (let i = common; i < after.length; i++) changes.push({ op: "add", path: `${path}/${i}`, after: after[i] });
    for (let i = before.length - 1; i >= common; i--) changes.push({ op: "remove", path: `${path}/${i}`, before: before[i] });
    return changes;
  }
  return [{ op: "replace", path, before, after }];
}

/** The changes as an RFC 6902 JSON Patch. */
export function toPatch(changes: FieldChange[]): { op: FieldChange["op"]; path: string; value?: unknown }[] {
  return changes.map((c) => (c.op === "remove" ? { op: c.op, path: c.path } : { op: c.op, path: c.path, value: c.after }));
}
