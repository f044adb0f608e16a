import type { FieldHint, Item } from "../../../lib/backend";
import { formatAge, formatDateTime, formatMoney, formatScalar } from "../../../lib/format";
import { t } from "../../../i18n";
import { StructuredValue } from "../StructuredValue";
import { Conversation } from "./Conversation";
import { resolvePointer } from "./pointer";
import { UnifiedDiff } from "./UnifiedDiff";

/** A list (FieldFormat `list`): strings as bullet points, objects as labelled values. */
function ListValue({ value }: { value: unknown }) {
  const entries = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (entries.length === 0) return <span className="sv-empty">{t("value.none")}</span>;
  return (
    <ul className="hint-list">
      {entries.map((v, i) => (
        <li key={i}>{v !== null && typeof v === "object" ? <StructuredValue value={v} /> : formatScalar(v)}</li>
      ))}
    </ul>
  );
}

/** One hinted field of an item, shown as its format says; every value is rendered as text. */
export function FieldView({ item, hint, now }: { item: Item; hint: FieldHint; now: number }) {
  const value = resolvePointer(item, hint.pointer);
  switch (hint.format) {
    case "text":
      return <p className="hint-text">{formatScalar(value)}</p>;
    case "money":
      return <span className="num">{formatMoney(value, hint.currency_pointer ? resolvePointer(item, hint.currency_pointer) : undefined)}</span>;
    case "date":
      return typeof value === "string" ? (
        <time dateTime={value} title={formatDateTime(value)}>
          {formatAge(value, now)}
        </time>
      ) : (
        <>{formatScalar(value)}</>
      );
    case "unified_diff":
      return <UnifiedDiff value={value} />;
    case "conversation":
      return <Conversation value={value} />;
    case "list":
      return <ListValue value={value} />;
    case "value":
      return <StructuredValue value={value} />;
  }
}
