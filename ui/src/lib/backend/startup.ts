import type { Backend } from "./backend";
import { subscribe } from "./events";
import type { AppStatus, AssignmentView, InboxPage, InboxQuery } from "./types";

/** An answer asked for ahead of its call, for the call that asks for exactly `key`. */
interface Ahead<T> {
  /** The event that tells of a change to it. */
  of: "status" | "inbox";
  key: string;
  /** How many of those changes had been heard when it was asked. */
  changes: number;
  answer: Promise<T>;
}

const keyOf = (query: InboxQuery) => JSON.stringify(query, Object.keys(query).sort());

/**
 * The backend, with the first three answers the window shows asked for as the page starts: the app's
 * status, the inbox's first page (`firstPage`) and the view of the item on its first row. Rendered
 * in turn, each waited for the one before it and for React's render in between (the desktop bench's
 * start-up breakdown in README.md, "Benchmarks"); here they are on their way while React renders.
 *
 * Each answer goes to the first call of its method, if it asks for exactly that, and only while
 * nothing it shows has changed: the backend listens for status and inbox changes before anything is
 * asked (listeners kept for the app's life, so the app's own handlers join them with no round trip),
 * and a change before the hand-over drops the answer, so that call asks the backend afresh. So does
 * a call whose answer failed. Every other call goes straight to the backend.
 */
export function withStartupAnswers(backend: Backend, firstPage: InboxQuery): Backend {
  // Changes heard so far; an answer asked before the latest one is not handed over.
  const changes = { status: 0, inbox: 0 };
  let listening = false;
  let status: Ahead<AppStatus> | null = null;
  let page: Ahead<InboxPage> | null = null;
  let view: Ahead<AssignmentView> | null = null;
  let viewAsked = false;
  /** The answer asked ahead, if it is for `key` and still true; else the backend's. */
  const take = <T>(ahead: Ahead<T> | null, key: string, ask: () => Promise<T>): Promise<T> =>
    ahead && listening && ahead.key === key && ahead.changes === changes[ahead.of] ? ahead.answer.catch(ask) : ask();

  const primed: Backend = new Proxy(backend, {
    get(target, property) {
      // Each answer is for the first call of its method only.
      if (property === "appStatus")
        return () => {
          const ahead = status;
          status = null;
          return take(ahead, "", () => target.appStatus());
        };
      if (property === "listAssignments")
        return (query: InboxQuery) => {
          const ahead = page;
          page = null;
          return take(ahead, keyOf(query), () => target.listAssignments(query));
        };
      if (property === "getAssignment")
        return (itemId: string) => {
          const ahead = view;
          view = null;
          viewAsked = true;
          return take(ahead, itemId, () => target.getAssignment(itemId));
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

  // The listeners are asked for before the answers, so that a change after an answer is read is heard.
  const ready = [
    subscribe(primed, "status", () => changes.status++).ready,
    subscribe(primed, "inbox", () => changes.inbox++).ready,
  ];
  void Promise.all(ready).then((ok) => {
    listening = ok.every(Boolean);
  });
  const ask = <T>(of: keyof typeof changes, key: string, answer: Promise<T>): Ahead<T> => {
    answer.catch(() => undefined); // a failure is for the call to see, if one asks
    return { of, key, changes: changes[of], answer };
  };
  status = ask("status", "", backend.appStatus());
  const first = ask("inbox", keyOf(firstPage), backend.listAssignments(firstPage));
  page = first;
  first.answer.then(
    (answer) => {
      const row = answer.rows[0];
      if (row && !viewAsked && first.changes === changes.inbox) view = ask("inbox", row.item_id, backend.getAssignment(row.item_id));
    },
    () => undefined,
  );
  return primed;
}
