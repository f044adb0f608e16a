import { useCallback, useEffect, useId, useImperativeHandle, useRef, useState, type Ref } from "react";
import { toAppError, type AppError, type HistoryEntry, type ItemStory, type LocalComment } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { useBackendEvent } from "../../lib/backend/useBackendEvent";
import { formatDateTime } from "../../lib/format";
import { t } from "../../i18n";
import { plainError } from "../announce/ErrorNotice";
import { KeyHint } from "../shortcuts/KeyHint";
import { CommentBox } from "./CommentBox";

export interface TimelineHandle {
  /** Opens the timeline and moves the focus to it. */
  open(): void;
}

interface Props {
  itemId: string;
  ref?: Ref<TimelineHandle>;
}

type Data = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** One line saying what an entry did beyond its action: the rule that routed, the note, the comment. */
function detail(entry: HistoryEntry): string | null {
  const data = (entry.data ?? {}) as Data;
  switch (entry.action) {
    case "route":
      return text(data.rule) && t("timeline.rule", { rule: data.rule, team: text(data.team) ?? t("timeline.noTeam") });
    case "comment":
      return text(data.note);
    case "conflict":
    case "mutation_rejected":
      return text(data.code);
    case "decide":
      return [text(data.outcome) ?? text(data.awaiting), text(data.note)].filter(Boolean).join(" · ") || null;
    case "release":
    case "escalate":
    case "reclaim":
      return text(data.note) ?? text(data.reason);
    default:
      return null;
  }
}

function LocalCommentRow({ comment }: { comment: LocalComment }) {
  const refused = comment.result_status !== null && comment.result_status !== "applied";
  return (
    <li className="timeline-entry local" data-testid="timeline-comment" data-state={refused ? "refused" : comment.state}>
      <div className="small">
        <strong>{t("timeline.you")}</strong> {t("timeline.action.comment")} <span className="muted">{formatDateTime(comment.at)}</span>{" "}
        <span className="muted">{refused ? t("timeline.refused", { message: comment.result_message ?? "" }) : t("timeline.pending")}</span>
      </div>
      <p className="timeline-text">{comment.text}</p>
    </li>
  );
}

/** The item's story: every audit entry about it (from the server, or as kept offline) and its comments. */
export function TimelinePanel({ itemId, ref }: Props) {
  const backend = useBackend();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [open, setOpen] = useState(false);
  const [story, setStory] = useState<ItemStory | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  // Fetched when the item opens (so a held item's story is kept for offline use), and after changes.
  const load = useCallback(() => {
    backend.itemHistory(itemId).then(
      (s) => {
        setStory(s);
        setError(null);
      },
      (e: unknown) => setError(toAppError(e)),
    );
  }, [backend, itemId]);
  useEffect(load, [load]);
  useBackendEvent(backend, "inbox", load);
  // An upload changes what is pending: a comment sent shows in the server's story.
  const pending = useRef<number | null>(null);
  useBackendEvent(backend, "status", (status) => {
    if (pending.current !== null && pending.current !== status.pending) load();
    pending.current = status.pending;
  });

  // Opening fetches it again: the reviewer wants it as it is now.
  const show = (next: boolean) => {
    setOpen(next);
    if (next) load();
  };
  useImperativeHandle(ref, () => ({
    open: () => {
      show(true);
      requestAnimationFrame(() => heading.current?.focus());
    },
  }));

  const count = (story?.entries.length ?? 0) + (story?.local_comments.length ?? 0);
  return (
    <section className="panel timeline" aria-labelledby={`${ids}-h`} data-testid="timeline-panel" data-source={story?.source} data-open={open}>
      <h3 id={`${ids}-h`} ref={heading} tabIndex={-1}>
        <button type="button" className="link" aria-expanded={open} aria-controls={`${ids}-body`} data-testid="timeline-toggle" onClick={() => show(!open)}>
          {t("timeline.title", { count })}
        </button>{" "}
        <KeyHint command="timeline" />
      </h3>
      {open && (
        <div id={`${ids}-body`}>
          {story?.source === "cache" && (
            <p className="muted small" data-testid="timeline-cached">
              {t("timeline.cached", { at: formatDateTime(story.fetched_at) })}
            </p>
          )}
          {story?.source === "unavailable" && (
            <p className="muted small" data-testid="timeline-unavailable">
              {t("timeline.unavailable")}
            </p>
          )}
          {error && <p className="error-text">{plainError(error)}</p>}
          <ol className="timeline-list" aria-label={t("timeline.listLabel")}>
            {story?.entries.map((entry) => {
              const line = detail(entry);
              return (
                <li key={entry.seq} className="timeline-entry" data-testid="timeline-entry" data-action={entry.action}>
                  <div className="small">
                    <strong>{entry.actor}</strong> {t(`timeline.action.${entry.action}`)} <span className="muted">{formatDateTime(entry.at)}</span>
                  </div>
                  {line && <p className={entry.action === "comment" ? "timeline-text" : "muted small"}>{line}</p>}
                </li>
              );
            })}
            {story?.local_comments.map((c) => <LocalCommentRow key={c.comment_id} comment={c} />)}
          </ol>
          <CommentBox itemId={itemId} onPosted={load} />
        </div>
      )}
    </section>
  );
}
