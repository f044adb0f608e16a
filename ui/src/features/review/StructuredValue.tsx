import { formatScalar, humanizeKey } from "../../lib/format";
import { t } from "../../i18n";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isScalar = (v: unknown) => v === null || v === undefined || typeof v !== "object";

/**
 * Any JSON value as a readable nested key/value view. Everything is rendered as text nodes,
 * so item data can never become markup.
 */
export function StructuredValue({ value, depth = 0 }: { value: unknown; depth?: number }) {
  if (isScalar(value)) {
    const text = formatScalar(value);
    return <span className={`sv-scalar${typeof value === "string" && text.includes("\n") ? " multiline" : ""}`}>{text}</span>;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="sv-empty">{t("value.none")}</span>;
    if (value.every(isScalar)) {
      return (
        <ul className="sv-chips">
          {value.map((v, i) => (
            <li key={i}>{formatScalar(v)}</li>
          ))}
        </ul>
      );
    }
    return (
      <ol className="sv-list">
        {value.map((v, i) => (
          <li key={i}>
            <StructuredValue value={v} depth={depth + 1} />
          </li>
        ))}
      </ol>
    );
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return <span className="sv-empty">{t("value.emptyObject")}</span>;
    return (
      <dl className={`sv-dl depth-${Math.min(depth, 3)}`}>
        {entries.map(([k, v]) => (
          <div key={k} className={isScalar(v) ? "sv-row" : "sv-row nested"}>
            <dt>{humanizeKey(k)}</dt>
            <dd>
              <StructuredValue value={v} depth={depth + 1} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <span className="sv-scalar">{String(value)}</span>;
}

export function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

export function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}
