import { useId } from "react";
import { t } from "../../i18n";
import { formatScalar, humanizeKey } from "../../lib/format";
import { diffDraft, DraftDiff } from "./DraftDiff";
import { fieldChanges, type FieldChange } from "./hints/fieldChanges";

/** The field's name from its pointer: `/merchant/name` reads "Merchant › Name", an element its number. */
function fieldName(path: string): string {
  if (path === "") return t("correctionDiff.whole");
  return path
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((token) => (/^\d+$/.test(token) ? String(Number(token) + 1) : humanizeKey(token)))
    .join(" › ");
}

const shown = (value: unknown) => (value !== null && typeof value === "object" ? JSON.stringify(value) : formatScalar(value));

const hasWords = (v: unknown) => typeof v === "string" && /\s/.test(v.trim());

/** A text changed to another text: word by word; a single word or any other value: the AI's, then the person's. */
function Change({ change }: { change: FieldChange }) {
  if (typeof change.before === "string" && typeof change.after === "string" && (hasWords(change.before) || hasWords(change.after))) {
    return (
      <span className="diff">
        {diffDraft(change.before, change.after).map((p, i) =>
          p.added ? <ins key={i}>{p.value}</ins> : p.removed ? <del key={i}>{p.value}</del> : <span key={i}>{p.value}</span>,
        )}
      </span>
    );
  }
  return (
    <>
      {change.op !== "add" && <del>{shown(change.before)}</del>}
      {change.op === "replace" && <span aria-hidden="true"> → </span>}
      {change.op !== "remove" && <ins>{shown(change.after)}</ins>}
    </>
  );
}

/** Field by field, what a person changed in a structured output: path, AI value → human value. */
export function FieldDiff({ before, after, title }: { before: unknown; after: unknown; title?: string }) {
  const id = useId();
  const changes = fieldChanges(before, after);
  return (
    <section className="panel" aria-labelledby={id} data-testid="field-diff">
      <div className="panel-head">
        <h3 id={id}>{title ?? t("correctionDiff.title")}</h3>
        <span className="muted" data-testid="field-diff-stats">
          {changes.length === 0 ? t("draft.noChanges") : t("correctionDiff.count", { count: changes.length })}
        </span>
      </div>
      {changes.length > 0 && (
        <table className="field-diff">
          <thead>
            <tr>
              <th scope="col">{t("correctionDiff.field")}</th>
              <th scope="col">{t("correctionDiff.change")}</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={`${c.op}${c.path}`} data-path={c.path} data-op={c.op}>
                <th scope="row">
                  {fieldName(c.path)}
                  {c.op !== "replace" && <span className="muted small"> ({t(`correctionDiff.${c.op}`)})</span>}
                </th>
                <td>
                  <Change change={c} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A correction against the AI's output wherever one is shown: word by word for a text, field by field otherwise. */
export function CorrectionDiff({ before, after, title }: { before: unknown; after: unknown; title?: string }) {
  if (typeof before === "string" && typeof after === "string") return <DraftDiff before={before} after={after} />;
  return <FieldDiff before={before} after={after} title={title} />;
}
