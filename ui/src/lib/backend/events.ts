import type { Backend, Unlisten } from "./backend";
import type { AppStatus, NoticeTarget } from "./types";

/** The backend's events and what each carries. */
export interface BackendEvents {
  /** The connection, the outbox or the sign-in changed. */
  status: AppStatus;
  /** Rows were added, decided, uploaded or taken away. */
  inbox: void;
  /** A desktop notification was clicked: open what it is about. */
  notice: NoticeTarget;
}

export type BackendEvent = keyof BackendEvents;
type Handler<E extends BackendEvent> = (payload: BackendEvents[E]) => void;

const LISTEN: { [E in BackendEvent]: (backend: Backend, handler: Handler<E>) => Promise<Unlisten> } = {
  status: (backend, handler) => backend.onStatusChanged(handler),
  inbox: (backend, handler) => backend.onInboxChanged(handler),
  notice: (backend, handler) => backend.onNoticeClicked(handler),
};

/** One backend listener for one event, shared by every handler of it. */
interface Channel<E extends BackendEvent> {
  handlers: Set<Handler<E>>;
  /** Resolves once the backend listens. */
  listening: Promise<Unlisten>;
}

type Channels = { [E in BackendEvent]?: Channel<E> };
const channels = new WeakMap<Backend, Channels>();

/**
 * Calls `handler` on every `event` until the returned function is called. However many handlers there are, the backend listens
 * once per event, from the first handler until the last one stops: the views mounted for each item
 * opened (its timeline, its related cases) would otherwise ask the desktop to listen and stop
 * listening, over IPC, on every j/k press. A handler added while the backend already listens hears
 * the next event, with no round trip.
 */
export function subscribe<E extends BackendEvent>(backend: Backend, event: E, handler: Handler<E>): () => void {
  let own = channels.get(backend);
  if (!own) channels.set(backend, (own = {}));
  const open: Channels = own;
  let channel = open[event] as Channel<E> | undefined;
  if (!channel) {
    const handlers = new Set<Handler<E>>();
    // Each handler still listening when the event is dispatched (one may stop another).
    const dispatch: Handler<E> = (payload) => {
      for (const h of [...handlers]) if (handlers.has(h)) h(payload);
    };
    const created: Channel<E> = { handlers, listening: LISTEN[event](backend, dispatch) };
    (open as Record<E, Channel<E>>)[event] = created;
    // A backend that cannot listen is asked again by the next handler.
    created.listening.catch(() => {
      if (open[event] === created) delete open[event];
    });
    channel = created;
  }
  const current = channel;
  current.handlers.add(handler);
  return () => {
    if (!current.handlers.delete(handler) || current.handlers.size > 0) return;
    if (open[event] === current) delete open[event];
    void current.listening.then(
      (unlisten) => unlisten(),
      () => undefined,
    );
  };
}
