import { BackendError } from "./backend";
import { COMMENT_MAX_CHARS, type HistoryEntry, type Item, type ItemStory, type LocalComment } from "./types";

/** The fake's item histories and comments: the server's story as the fake plays it, kept per item. */
export class FakeStories {
  private readonly comments = new Map<string, LocalComment[]>();
  private made = 0;

  comment(itemId: string, text: string, now: number): LocalComment {
    if (text.trim() === "") throw new BackendError("invalid_input", "a comment needs a text");
    if ([...text].length > COMMENT_MAX_CHARS) throw new BackendError("invalid_input", `a comment has at most ${COMMENT_MAX_CHARS} characters`);
    this.made++;
    const comment: LocalComment = {
      comment_id: `0190e0a2-0000-7000-8000-${String(this.made).padStart(12, "0")}`,
      item_id: itemId,
      text,
      at: new Date(now).toISOString(),
      state: "pending",
      result_status: null,
      result_code: null,
      result_message: null,
    };
    this.comments.set(itemId, [...(this.comments.get(itemId) ?? []), comment]);
    return comment;
  }

  /** Online: the story with every comment applied; offline: as kept, the comments still to send. */
  story(item: Item, me: string, online: boolean, now: number): ItemStory {
    const at = item.created_at;
    const entries: HistoryEntry[] = [
      { seq: 1, at, actor: item.producer, action: "submit", data: { kind: item.kind, title: item.title } },
      { seq: 2, at, actor: "policy", action: "route", data: { rule: item.routing_rule, team: item.team, route: item.route } },
      { seq: 3, at, actor: me, action: "assign", data: {} },
      ...item.decisions.map((d, n): HistoryEntry => ({ seq: 4 + n, at: d.at, actor: d.by, action: "decide", data: { action: d.action, note: d.note } })),
    ];
    const comments = this.comments.get(item.id) ?? [];
    if (!online) return { item_id: item.id, entries, source: "cache", fetched_at: at, local_comments: comments };
    const applied = comments.map((c) => ({ ...c, state: "done" as const, result_status: "applied" as const }));
    this.comments.set(item.id, applied);
    const told = applied.map((c, n): HistoryEntry => ({
      seq: 100 + n,
      at: c.at,
      actor: me,
      action: "comment",
      data: { note: c.text, decision_id: c.comment_id, mentions: [] },
    }));
    return { item_id: item.id, entries: [...entries, ...told], source: "server", fetched_at: new Date(now).toISOString(), local_comments: [] };
  }
}
