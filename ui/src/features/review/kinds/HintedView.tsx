import { useId } from "react";
import type { DisplayHints } from "../../../lib/backend";
import { t } from "../../../i18n";
import { FieldView } from "../hints/FieldView";
import { relativePointer, withoutPointers } from "../hints/pointer";
import { EvidenceList, Signals } from "../ProposalPanel";
import { StructuredValue } from "../StructuredValue";
import { Field } from "./fields";
import type { KindViewProps } from "./registry";

const NO_HINTS: DisplayHints = { headline: [], sections: [], editable: [], identifiers: [] };

/** What is left of `value` once the hinted pointers under `prefix` are shown; undefined when nothing is. */
function remaining(value: unknown, prefix: string, pointers: string[]): unknown {
  if (pointers.includes(prefix)) return undefined;
  const rest = withoutPointers(
    value,
    pointers.map((p) => relativePointer(p, prefix)).filter((p): p is string => p !== null),
  );
  const empty = rest === undefined || rest === null || (typeof rest === "object" && Object.keys(rest).length === 0);
  return empty ? undefined : rest;
}

/** What the hints leave out, as labelled values (nothing when nothing is left). */
function Rest({ id, title, testId, value }: { id: string; title: string; testId: string; value: unknown }) {
  if (value === undefined) return null;
  return (
    <section className="panel" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      <div data-testid={testId}>
        <StructuredValue value={value} />
      </div>
    </section>
  );
}

/**
 * Any registered kind without a named renderer, laid out by its display hints: the headline facts,
 * one section per hinted field in its format, the reviewer's editor for the editable fields, then
 * whatever the hints do not place, as labelled values.
 */
export function HintedView({ item, editor, now, definition }: KindViewProps) {
  const ids = useId();
  const hints = definition?.hints ?? NO_HINTS;
  const placed = [...hints.headline, ...hints.sections, ...hints.editable].map((h) => h.pointer);
  const restOutput = remaining(item.ai.output, "/ai/output", placed);
  const restPayload = remaining(item.payload, "/payload", placed);
  return (
    <div className="kind-view" data-testid="view-hinted" data-kind={item.kind}>
      {hints.headline.length > 0 && (
        <section className="card headline" aria-labelledby={`${ids}-head`} data-testid="hint-headline">
          <h3 id={`${ids}-head`}>{definition?.label ?? t("generic.details")}</h3>
          <dl className="fields cols">
            {hints.headline.map((h) => (
              <Field key={h.pointer} label={h.label} wide={h.format === "text"}>
                <FieldView item={item} hint={h} now={now} />
              </Field>
            ))}
          </dl>
        </section>
      )}
      {hints.sections.map((h, i) => (
        <section key={h.pointer} className="panel" aria-labelledby={`${ids}-s${i}`} data-testid="hint-section" data-format={h.format}>
          <h3 id={`${ids}-s${i}`}>{h.label}</h3>
          <FieldView item={item} hint={h} now={now} />
        </section>
      ))}
      {/* After what it answers (a conversation, a diff); it holds every value of the output. */}
      {editor}
      {!editor && <Rest id={`${ids}-out`} title={t("generic.output")} testId="ai-output" value={restOutput} />}
      <Rest id={`${ids}-rest`} title={t("generic.details")} testId="payload-view" value={restPayload} />
      <Signals signals={item.ai.signals} />
      <EvidenceList evidence={item.ai.evidence} />
    </div>
  );
}
