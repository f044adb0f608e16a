import { useEffect, useEffectEvent, useId, useRef, useState, type Ref } from "react";
import type { AppError } from "../../lib/backend";
import { t } from "../../i18n";
import { KeyHint } from "../shortcuts/KeyHint";

/** How long typing may pause before the search runs: one query per word, not per letter. */
const TYPING_PAUSE_MS = 250;

interface Props {
  /** The active search (null: the inbox lists in its sort order). */
  search: string | null;
  onSearch(search: string | null): void;
  /** Why the search cannot run (a malformed text), shown under the box. */
  error: AppError | null;
  inputRef?: Ref<HTMLInputElement>;
}

/** The search box above the inbox: `/` focuses it, typing searches, Esc clears it (then leaves it). */
export function SearchBox({ search, onSearch, error, inputRef }: Props) {
  const id = useId();
  const [text, setText] = useState(search ?? "");
  const sent = useRef(search);
  // A view or a notification changed the search: show it.
  useEffect(() => {
    if (search !== sent.current) {
      sent.current = search;
      setText(search ?? "");
    }
  }, [search]);

  const send = (value: string) => {
    const next = value.trim() ? value.trim() : null;
    sent.current = next;
    if (next !== search) onSearch(next);
  };
  // Only typing restarts the pause; what is sent is read when it fires.
  const sendTyped = useEffectEvent(() => send(text));
  useEffect(() => {
    const timer = setTimeout(() => sendTyped(), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <div className="search-box" role="search">
      <label htmlFor={`${id}-q`} className="sr-only">
        {t("search.label")}
      </label>
      <div className="search-field">
        <input
          id={`${id}-q`}
          ref={inputRef}
          type="search"
          data-testid="search-input"
          value={text}
          placeholder={t("search.placeholder")}
          aria-describedby={error ? `${id}-error` : `${id}-hint`}
          aria-invalid={error ? true : undefined}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              send(text);
            } else if (e.key === "Escape") {
              e.preventDefault();
              if (text === "") e.currentTarget.blur();
              setText("");
              send("");
            }
          }}
        />
        <KeyHint command="search" />
      </div>
      {error ? (
        <p id={`${id}-error`} className="search-error" role="alert" data-testid="search-error">
          {t("search.invalid", { message: error.message })}
        </p>
      ) : (
        <p id={`${id}-hint`} className="sr-only">
          {t("search.hint")}
        </p>
      )}
    </div>
  );
}
