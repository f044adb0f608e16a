import { useId, type KeyboardEvent } from "react";
import type { FieldHint } from "../../../lib/backend";
import { formatScalar, humanizeKey } from "../../../lib/format";
import { t } from "../../../i18n";
import { DraftDiff } from "../DraftDiff";
import { relativePointer, resolvePointer, withPointer } from "./pointer";
import { asSchema, itemSchema, leafInput, newElement, propertySchema, type Schema, type SchemaProblem } from "./schema";

const RULES = ["type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format", "required", "additionalProperties", "minItems", "maxItems", "uniqueItems"];

/** What a refused value breaks, in the reviewer's words. */
export function ruleText(keyword: string): string {
  return t(RULES.includes(keyword) ? `schemaRule.${keyword}` : "schemaRule.other");
}

/** A long or multi-line string is edited in a text area. */
const isLong = (v: unknown) => typeof v === "string" && (v.length > 80 || v.includes("\n"));

const escapeToken = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

interface Shared {
  root: unknown;
  onChange(next: unknown): void;
  problems: SchemaProblem[];
  readOnly: boolean;
  /** Pointers (under the output) the editable text fields above already cover. */
  skip: Set<string>;
  onKeyDown(e: KeyboardEvent): void;
}

function Problems({ id, problems }: { id: string; problems: SchemaProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <p className="field-error" id={id} data-testid="field-error">
      {problems.map((p) => ruleText(p.keyword)).join(" ")}
    </p>
  );
}

/** One value of the output: an input by its schema (select, checkbox, number, text), or its parts. */
function Leaf({ path, label, schema, shared }: { path: string; label: string; schema: Schema | null; shared: Shared }) {
  const id = useId();
  const value = resolvePointer(shared.root, path);
  const mine = shared.problems.filter((p) => p.pointer === path);
  const set = (next: unknown) => shared.onChange(withPointer(shared.root, path, next));
  const invalid = mine.length > 0;
  const described = invalid ? `${id}-err` : undefined;
  const common = { id, disabled: shared.readOnly, "aria-invalid": invalid || undefined, "aria-describedby": described, "data-pointer": path, onKeyDown: shared.onKeyDown };
  const kind = leafInput(schema, value);

  if (kind === "object") {
    const record = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
    const order = Object.keys(schema?.properties ?? {});
    const isGroup = (k: string) => record[k] !== null && typeof record[k] === "object";
    // Schema order (else the value's), single values before lists and groups: the choice first.
    const keys = [...order.filter((k) => k in record), ...Object.keys(record).filter((k) => !order.includes(k))].sort(
      (a, b) => Number(isGroup(a)) - Number(isGroup(b)),
    );
    const children = keys
      .map((k) => ({ key: k, path: `${path}/${escapeToken(k)}` }))
      .filter((c) => !shared.skip.has(c.path));
    if (children.length === 0) return null;
    const body = (
      <>
        {children.map((c) => (
          <Leaf key={c.key} path={c.path} label={humanizeKey(c.key)} schema={propertySchema(schema, c.key)} shared={shared} />
        ))}
        <Problems id={`${id}-err`} problems={mine} />
      </>
    );
    return path === "" ? body : (
      <fieldset className="correction-group">
        <legend>{label}</legend>
        {body}
      </fieldset>
    );
  }

  if (kind === "array") {
    const list = Array.isArray(value) ? value : [];
    const elements = itemSchema(schema);
    const fresh = newElement(elements);
    const canAdd = fresh !== null && (schema?.maxItems === undefined || list.length < schema.maxItems) && !shared.readOnly;
    const canRemove = list.length > (schema?.minItems ?? 0) && !shared.readOnly;
    return (
      <fieldset className="correction-group" data-pointer={path}>
        <legend>{label}</legend>
        <ol className="correction-list">
          {list.map((_, i) => (
            <li key={i}>
              <Leaf path={`${path}/${i}`} label={t("correction.element", { label, n: i + 1 })} schema={elements} shared={shared} />
              {canRemove && (
                <button type="button" className="link" onClick={() => set(list.filter((__, j) => j !== i))}>
                  {t("correction.remove", { label, n: i + 1 })}
                </button>
              )}
            </li>
          ))}
        </ol>
        {canAdd && (
          <button type="button" onClick={() => set([...list, fresh.value])} data-testid="correction-add">
            {t("correction.add", { label })}
          </button>
        )}
        <Problems id={`${id}-err`} problems={mine} />
      </fieldset>
    );
  }

  let input;
  if (kind === "enum") {
    const options = schema?.enum ?? [];
    const at = options.findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
    input = (
      <select {...common} value={at < 0 ? "" : String(at)} onChange={(e) => set(options[Number(e.target.value)])}>
        {at < 0 && <option value="">{formatScalar(value)}</option>}
        {options.map((o, i) => (
          <option key={i} value={String(i)}>
            {typeof o === "string" ? humanizeKey(o) : formatScalar(o)}
          </option>
        ))}
      </select>
    );
  } else if (kind === "boolean") {
    return (
      <div className="correction-field check">
        <input {...common} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />
        <label htmlFor={id}>{label}</label>
        <Problems id={`${id}-err`} problems={mine} />
      </div>
    );
  } else if (kind === "number" || kind === "integer") {
    input = (
      <input
        {...common}
        type="number"
        step={kind === "integer" ? 1 : "any"}
        value={typeof value === "number" ? String(value) : formatScalar(value ?? "")}
        onChange={(e) => {
          const raw = e.target.value;
          const n = Number(raw);
          // Kept as typed when it is not a number, so the schema names the problem.
          set(raw.trim() !== "" && Number.isFinite(n) ? n : raw);
        }}
      />
    );
  } else if (isLong(value)) {
    input = <textarea {...common} rows={4} value={String(value)} onChange={(e) => set(e.target.value)} />;
  } else {
    input = <input {...common} type="text" value={typeof value === "string" ? value : formatScalar(value ?? "")} onChange={(e) => set(e.target.value)} />;
  }
  return (
    <div className="correction-field">
      <label htmlFor={id}>{label}</label>
      {input}
      <Problems id={`${id}-err`} problems={mine} />
    </div>
  );
}

/** One editable text field (the kind's `hints.editable`), with its word-level diff from the AI's text. */
function EditableText({ hint, path, aiOutput, shared }: { hint: FieldHint; path: string; aiOutput: unknown; shared: Shared }) {
  const id = useId();
  const value = resolvePointer(shared.root, path);
  const before = resolvePointer(aiOutput, path);
  const mine = shared.problems.filter((p) => p.pointer === path);
  const text = typeof value === "string" ? value : formatScalar(value ?? "");
  return (
    <div className="correction-field editable">
      <label htmlFor={id}>{hint.label}</label>
      <textarea
        id={id}
        className="draft-editor"
        data-testid="editable-field"
        data-pointer={path}
        readOnly={shared.readOnly}
        spellCheck
        aria-invalid={mine.length > 0 || undefined}
        aria-describedby={mine.length ? `${id}-err` : undefined}
        rows={Math.min(14, Math.max(4, text.split("\n").length + 2))}
        value={text}
        onChange={(e) => shared.onChange(withPointer(shared.root, path, e.target.value))}
        onKeyDown={shared.onKeyDown}
      />
      <Problems id={`${id}-err`} problems={mine} />
      {/* Unchanged, the diff would only repeat the text above. */}
      {text !== before && <DraftDiff before={typeof before === "string" ? before : ""} after={text} />}
    </div>
  );
}

export interface CorrectionEditorProps {
  aiOutput: unknown;
  value: unknown;
  onChange(next: unknown): void;
  /** The kind's `output_schema`; without one, each leaf gets the input its value suggests. */
  schema: unknown;
  /** The kind's `hints.editable`: text fields edited first, each with its diff. */
  editable: FieldHint[];
  problems: SchemaProblem[];
  readOnly: boolean;
  onKeyDown(e: KeyboardEvent): void;
}

/**
 * The reviewer's corrected output, built from the kind's output schema: the editable texts first, then
 * every other value as the input its schema calls for. Problems the schema finds are shown at their field.
 */
export function CorrectionEditor({ aiOutput, value, onChange, schema, editable, problems, readOnly, onKeyDown }: CorrectionEditorProps) {
  const texts = editable.map((hint) => ({ hint, path: relativePointer(hint.pointer, "/ai/output") })).filter((e): e is { hint: FieldHint; path: string } => e.path !== null);
  const shared: Shared = { root: value, onChange, problems, readOnly, skip: new Set(texts.map((e) => e.path)), onKeyDown };
  // A problem at a value that is not there (a required one missing) has no field to sit beside.
  const unplaced = problems.filter((p) => resolvePointer(value, p.pointer) === undefined);
  const leaves = <Leaf path="" label={t("generic.output")} schema={asSchema(schema)} shared={shared} />;
  return (
    <div className="correction-editor" data-testid="correction-editor">
      {texts.map((e) => (
        <EditableText key={e.path} hint={e.hint} path={e.path} aiOutput={aiOutput} shared={shared} />
      ))}
      {texts.length > 0 ? (
        // The texts are what a reviewer corrects; the rest (shown above in the view) stays folded unless refused.
        <details className="correction-more" open={problems.some((p) => !shared.skip.has(p.pointer)) || undefined}>
          <summary>{t("correction.more")}</summary>
          {leaves}
        </details>
      ) : (
        leaves
      )}
      {unplaced.length > 0 && (
        <ul className="field-error" data-testid="correction-problems">
          {unplaced.map((p, i) => (
            <li key={i}>{ruleText(p.keyword)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
