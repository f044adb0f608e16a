import { formatDateTime, formatScalar } from "../../../lib/format";
import { t } from "../../../i18n";
import { asRecord } from "../StructuredValue";

/** `{"author", "text", "at"?}` messages (FieldFormat `conversation`), oldest first; as text only. */
export function Conversation({ value }: { value: unknown }) {
  const messages = Array.isArray(value) ? value.map(asRecord) : [];
  if (messages.length === 0) return <p className="muted">{t("value.none")}</p>;
  return (
    <ol className="conversation" data-testid="conversation">
      {messages.map((m, i) => {
        const at = typeof m.at === "string" ? m.at : null;
        return (
          <li key={i} className="message" data-author={formatScalar(m.author)}>
            <div className="message-head">
              <span className="message-author">{formatScalar(m.author)}</span>
              {at && (
                <time dateTime={at} className="muted small">
                  {formatDateTime(at)}
                </time>
              )}
            </div>
            <p className="message-text">{formatScalar(m.text)}</p>
          </li>
        );
      })}
    </ol>
  );
}
