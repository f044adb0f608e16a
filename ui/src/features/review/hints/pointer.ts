// JSON Pointers (RFC 6901), as the display hints name fields: `/payload/merchant`, `/ai/output/reply`.

function tokens(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function child(value: unknown, token: string): unknown {
  if (Array.isArray(value)) return /^(0|[1-9]\d*)$/.test(token) ? value[Number(token)] : undefined;
  if (value !== null && typeof value === "object" && Object.hasOwn(value, token)) return (value as Record<string, unknown>)[token];
  return undefined;
}

/** The value the pointer names inside `root`; undefined when it names nothing. */
export function resolvePointer(root: unknown, pointer: string): unknown {
  const path = tokens(pointer);
  return path === null ? undefined : path.reduce<unknown>((v, token) => (v === undefined ? undefined : child(v, token)), root);
}

/** The pointer below `prefix` (`/ai/output/reply` under `/ai/output` is `/reply`), or null when it is not below it. */
export function relativePointer(pointer: string, prefix: string): string | null {
  return pointer.startsWith(`${prefix}/`) ? pointer.slice(prefix.length) : null;
}

/** A copy of `root` with the value at `pointer` replaced (objects and arrays along the path are copied). */
export function withPointer(root: unknown, pointer: string, value: unknown): unknown {
  const path = tokens(pointer);
  if (path === null) return root;
  const set = (node: unknown, i: number): unknown => {
    if (i === path.length) return value;
    const token = path[i]!;
    if (Array.isArray(node)) {
      const copy = [...node];
      copy[Number(token)] = set(node[Number(token)], i + 1);
      return copy;
    }
    const record = node !== null && typeof node === "object" ? (node as Record<string, unknown>) : {};
    return { ...record, [token]: set(record[token], i + 1) };
  };
  return set(root, 0);
}

/** A copy of `root` without the values the pointers name (what the hints did not place yet). */
export function withoutPointers(root: unknown, pointers: string[]): unknown {
  let rest = root;
  for (const pointer of pointers) {
    const path = tokens(pointer);
    if (!path || path.length === 0 || resolvePointer(rest, pointer) === undefined) continue;
    const parent = path.slice(0, -1);
    const last = path[path.length - 1]!;
    const parentPointer = parent.map((t) => `/${t.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
    const holder = resolvePointer(rest, parentPointer);
    if (holder === null || typeof holder !== "object" || Array.isArray(holder)) continue;
    const others = Object.fromEntries(Object.entries(holder).filter(([key]) => key !== last));
    rest = parentPointer === "" ? others : withPointer(rest, parentPointer, others);
  }
  return rest;
}
