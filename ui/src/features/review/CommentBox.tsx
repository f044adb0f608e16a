import { useId, useState } from "react";
import { COMMENT_MAX_CHARS, toAppError, type AppError } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { formatCount } from "../../lib/format";
import { t } from "../../i18n";
import { plainError } from "../announce/ErrorNotice";

interface Props {
  itemId: string;
  /** The comment is durable here; the timeline shows it (pending until it is uploaded). */
  onPosted(): void;
}

/** A comment on the item: queued like a decision, works offline; `@name` tells that person. */
export function CommentBox({ itemId, onPosted }: Props) {
  const backend = useBackend();
  const ids = useId();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const length = [...text].length;
  const tooLong = length > COMMENT_MAX_CHARS;
  const canSend = text.trim() !== "" && !tooLong && !busy;

  const send = () => {
    if (!canSend) return;
    setBusy(true);
    backend.comment(itemId, text).then(
      () => {
        setText("");
        setError(null);
        setBusy(false);
        onPosted();
      },
      (e: unknown) => {
        setError(toAppError(e));
        setBusy(false);
      },
    );
  };

  return (
    <form
      className="comment-box"
      data-testid="comment-box"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label htmlFor={`${ids}-text`}>{t("comment.label")}</label>
      <textarea
        id={`${ids}-text`}
        data-testid="comment-field"
        value={text}
        rows={3}
        aria-describedby={`${ids}-hint`}
        aria-invalid={tooLong}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            send();
          }
        }}
      />
      <p id={`${ids}-hint`} className={tooLong ? "error-text small" : "muted small"}>
        {tooLong
          ? t("comment.tooLong", { max: formatCount(COMMENT_MAX_CHARS) })
          : t("comment.hint", { count: length, max: formatCount(COMMENT_MAX_CHARS) })}
      </p>
      {error && <p className="error-text">{plainError(error)}</p>}
      <button type="submit" data-testid="comment-send" disabled={!canSend}>
        {t("comment.send")}
      </button>
    </form>
  );
}
