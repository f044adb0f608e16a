// The kind's output schema as the correction editor uses it: what each leaf is (to pick its input) and
// whether a corrected output satisfies it (@cfworker/json-schema: no code generation, so it runs under
// the app's CSP, which forbids eval).
import { Validator, type Schema } from "@cfworker/json-schema";

export type { Schema };

/** Where the schema refuses the value: the JSON Pointer under the output (`""` for the whole) and the rule. */
export interface SchemaProblem {
  pointer: string;
  keyword: string;
}

export function asSchema(value: unknown): Schema | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Schema) : null;
}

/** `#/a/0` → `/a/0`. */
const pointerOf = (instanceLocation: string) => instanceLocation.replace(/^#/, "");

/**
 * A checker for values under `schema`; it lists only the innermost problems (a refused `amount`, not
 * also its object for containing it). No schema: everything passes.
 */
export function schemaChecker(schema: unknown): (value: unknown) => SchemaProblem[] {
  const s = asSchema(schema);
  if (!s) return () => [];
  const validator = new Validator(s, "2020-12", false);
  return (value) => {
    const { valid, errors } = validator.validate(value);
    if (valid) return [];
    const all = errors.map((e) => ({ pointer: pointerOf(e.instanceLocation), keyword: e.keyword }));
    const innermost = all.filter((e) => !all.some((o) => o.pointer !== e.pointer && o.pointer.startsWith(`${e.pointer}/`)));
    const seen = new Set<string>();
    return innermost.filter((e) => {
      const key = `${e.pointer} ${e.keyword}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };
}

/** The schema of an object's property (`properties`, else `additionalProperties` when it is a schema). */
export function propertySchema(schema: Schema | null, key: string): Schema | null {
  if (!schema) return null;
  const own = schema.properties?.[key];
  if (own !== undefined) return typeof own === "object" ? own : null;
  return typeof schema.additionalProperties === "object" ? schema.additionalProperties : null;
}

/** The schema of an array's elements. */
export function itemSchema(schema: Schema | null): Schema | null {
  const items = schema?.items;
  return items && typeof items === "object" && !Array.isArray(items) ? items : null;
}

const typeOf = (schema: Schema | null): string | undefined => {
  const type = schema?.type;
  return Array.isArray(type) ? type.find((t) => t !== "null") : type;
};

/** What input a leaf gets: from its schema, else from the value it holds. */
export type LeafInput = "enum" | "boolean" | "number" | "integer" | "text" | "object" | "array";

export function leafInput(schema: Schema | null, value: unknown): LeafInput {
  if (schema?.enum) return "enum";
  const type = typeOf(schema);
  if (type === "boolean" || type === "number" || type === "integer" || type === "object" || type === "array") return type;
  if (type === "string") return "text";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return "number";
  if (Array.isArray(value)) return "array";
  if (value !== null && typeof value === "object") return "object";
  return "text";
}

/** The value a newly added array element starts with; null when the schema does not say what elements are. */
export function newElement(schema: Schema | null): { value: unknown } | null {
  if (!schema) return null;
  if (schema.enum?.length) return { value: schema.enum[0] };
  switch (typeOf(schema)) {
    case "string":
      return { value: "" };
    case "number":
    case "integer":
      return { value: schema.minimum ?? 0 };
    case "boolean":
      return { value: false };
    default:
      return null;
  }
}

/**
 * For a kind the server has not described: a schema of the AI output's own shape (every value keeps
 * its type, every key stays), so a correction cannot change the shape.
 */
export function shapeOf(value: unknown): Schema {
  if (value === null) return { type: "null" };
  if (Array.isArray(value)) return value.length > 0 ? { type: "array", items: shapeOf(value[0]) } : { type: "array" };
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    return { type: "object", required: Object.keys(record), properties: Object.fromEntries(Object.entries(record).map(([k, v]) => [k, shapeOf(v)])) };
  }
  if (typeof value === "number") return { type: "number" };
  if (typeof value === "boolean") return { type: "boolean" };
  return { type: "string" };
}
