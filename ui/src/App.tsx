import { ErrorBoundary } from "react-error-boundary";
import { lazy, Suspense, useCallback, useEffect, useEffectEvent, useLayoutEffect, useRef, useState } from "react";
import { toAppError, type Backend } from "./lib/backend";
import { t } from "./i18n";
import { BackendContext } from "./lib/backend/context";
import { KindsProvider } from "./features/review/kinds/KindsContext";
import { useBackendEvent } from "./lib/backend/useBackendEvent";
import { useNow } from "./lib/useNow";
import { markFirst } from "./lib/marks";
import { useTheme } from "./lib/theme";
import { Inbox, isFiltered, OUTBOX_FILTERS } from "./features/inbox/Inbox";
import { DEFAULT_FILTERS, usePagedInbox, type InboxFilters } from "./features/inbox/usePagedInbox";
import { ItemView, type ItemViewHandle } from "./features/review/ItemView";
import { useReviewSession } from "./features/review/useReviewSession";
import { ConflictsView } from "./features/sync/ConflictsView";
import { StatusBar } from "./features/sync/StatusBar";
import { BreakSuggestion } from "./features/fatigue/BreakSuggestion";
import { SessionReadout } from "./features/fatigue/SessionReadout";
import { useOwnFatigue } from "./features/fatigue/useOwnFatigue";
import { useAppStatus } from "./features/sync/useAppStatus";
import { NotificationSettings, SignInForm, UndoWindowSetting } from "./features/settings/Settings";
import { SigningPinSetting } from "./features/settings/SigningPinSetting";
import { Dialog } from "./features/shortcuts/Dialog";
import { ShortcutSheet } from "./features/shortcuts/ShortcutSheet";
import { KeyHint } from "./features/shortcuts/KeyHint";
import { activeKeys, ariaKeys, keyLabel, shortcutFor, type Command, type ItemCommand, type ReadCommand } from "./features/shortcuts/keymap";
import { BulkBar } from "./features/bulk/BulkBar";
import { useSelection } from "./features/inbox/useSelection";
import { SavedViews } from "./features/views/SavedViews";
import { Toast, type ToastMessage } from "./features/announce/Toast";
import { ErrorNotice, plainError } from "./features/announce/ErrorNotice";
import { ViewFailed } from "./features/announce/ViewFailed";
import { KeySettingsContext, ShortcutSettings, useKeyPreferences } from "./features/shortcuts/preference";
import { AdminView } from "./features/admin/AdminView";
import { ShiftEndDialog, shiftEndedText } from "./features/shift/ShiftEndDialog";

// Loaded the first time it is opened: reviewers, who never see it, never load it or its charts.
const AnalyticsView = lazy(() => import("./features/analytics/AnalyticsView"));

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Where Page Down and Space already do something: a control, the inbox list, the scrolling item body. */
const OWN_PAGE_KEYS = "button, a[href], summary, [role=listbox], [role=option], [data-scroll-body]";

function ownsPageKeys(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest(OWN_PAGE_KEYS) !== null;
}

export type Panel = "conflicts" | "shortcuts" | "settings" | null;

export function App({
  backend,
  initialFilters = DEFAULT_FILTERS,
  initialPanel = null,
}: {
  backend: Backend;
  initialFilters?: InboxFilters;
  initialPanel?: Panel;
}) {
  return (
    <BackendContext.Provider value={backend}>
      <KindsProvider backend={backend}>
        <Shell backend={backend} initialFilters={initialFilters} initialPanel={initialPanel} />
      </KindsProvider>
    </BackendContext.Provider>
  );
}

function Shell({ backend, initialFilters, initialPanel }: { backend: Backend; initialFilters: InboxFilters; initialPanel: Panel }) {
  const now = useNow(15_000);
  const [theme, toggleTheme] = useTheme();
  const [status, setStatus, statusFailed, retryStatus] = useAppStatus(backend);
  const signedIn = !!status?.signed_in_as;
  // An admin's app is the admin view; reviewers and seniors never see it (the server refuses them too).
  const admin = status?.signed_in_as?.role === "admin";
  // Seniors (their teams) and admins see the analytics; reviewers never (the core and server refuse them too).
  const mayAnalyse = admin || status?.signed_in_as?.role === "senior";
  const [analytics, setAnalytics] = useState(false);
  const showAnalytics = analytics && mayAnalyse;
  const [filters, setFilters] = useState<InboxFilters>(initialFilters);
  const inbox = usePagedInbox(backend, filters, signedIn && !admin);
  const keyPreferences = useKeyPreferences();
  const keys = keyPreferences.keys;
  const selection = useSelection();
  const searchRef = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<ToastMessage | null>(null);
  const announce = useCallback(
    (text: string, undoable = false, decidedAt?: string) =>
      setMessage((m) => ({ text, undoable, decidedAt: decidedAt === undefined ? undefined : Date.parse(decidedAt), n: (m?.n ?? 0) + 1 })),
    [],
  );
  const session = useReviewSession(backend, inbox, announce);
  const [sheet, setSheet] = useState(initialPanel === "shortcuts");
  const [settings, setSettings] = useState(initialPanel === "settings");
  const [conflicts, setConflicts] = useState(initialPanel === "conflicts");
  const [shift, setShift] = useState(false);
  const itemRef = useRef<ItemViewHandle>(null);
  const titleFocus = useRef(false);
  useLayoutEffect(() => markFirst("app:rendered-dom"), []);
  useEffect(() => markFirst("app:rendered"), []);

  // Move focus to the newly opened item's title when navigation came from the keyboard.
  useEffect(() => {
    if (titleFocus.current && session.view) {
      titleFocus.current = false;
      document.querySelector<HTMLElement>("[data-testid=item-title]")?.focus({ preventScroll: true });
    }
  }, [session.view]);

  const item = (command: ItemCommand) => () => itemRef.current?.command(command);
  const read = (command: ReadCommand) => () => itemRef.current?.read(command);
  /** Selects the open row and the one `delta` away, and opens that one (Shift+J / Shift+K). */
  const extend = async (delta: number) => {
    const index = session.selectedIndex;
    const current = index >= 0 ? inbox.getRow(index) : undefined;
    if (!current) return;
    selection.add([current]);
    if (index + delta < 0) return;
    const row = inbox.getRow(index + delta) ?? (await inbox.fetchRow(index + delta));
    if (!row) return;
    selection.add([row]);
    session.select(row.item_id);
  };
  // What each window shortcut does; Ctrl+Enter ("confirm") belongs to the focused panel.
  const actions: Record<Exclude<Command, "confirm">, () => void> = {
    next: () => void session.move(1),
    previous: () => void session.move(-1),
    undo: () => void session.undo(),
    conflicts: () => setConflicts((c) => !c),
    theme: toggleTheme,
    help: () => setSheet(true),
    close: () => setConflicts(false),
    approve: item("approve"),
    edit: item("edit"),
    reject: item("reject"),
    escalate: item("escalate"),
    release: item("release"),
    pageDown: read("pageDown"),
    pageUp: read("pageUp"),
    nextSection: read("nextSection"),
    previousSection: read("previousSection"),
    search: () => {
      searchRef.current?.focus();
      searchRef.current?.select();
    },
    select: () => {
      const row = session.selectedIndex >= 0 ? inbox.getRow(session.selectedIndex) : undefined;
      if (row) selection.toggle(row);
    },
    extendDown: () => void extend(1),
    extendUp: () => void extend(-1),
    openRelated: () => void itemRef.current?.openRelated(),
    timeline: () => itemRef.current?.openTimeline(),
    analytics: () => setAnalytics((a) => !a),
  };
  // One window listener for the app's lifetime, always calling the latest handler: re-adding it on
  // every render could drop a key press that arrives while React runs the effects of a render.
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    if (e.defaultPrevented || sheet || settings || shift || isTyping(e.target)) return;
    const shortcut = shortcutFor(e, keys);
    if (!shortcut) return;
    // Outside the review pane (signed out, conflicts open) only the global shortcuts act; Escape only
    // has something to close when the conflicts view is open.
    if (!shortcut.anywhere && (conflicts || !signedIn || admin || showAnalytics)) return;
    if (shortcut.command === "analytics" && !mayAnalyse) return;
    if (shortcut.command === "close" && !conflicts) return;
    if ((shortcut.command === "pageDown" || shortcut.command === "pageUp") && ownsPageKeys(e.target)) return;
    if (shortcut.command !== "close") e.preventDefault();
    if (shortcut.command !== "confirm") actions[shortcut.command]();
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  // A clicked desktop notification (the shell has brought the window forward): open its item, or the
  // inbox (filtered to escalations for a summary that has some), over whatever panel was open.
  useBackendEvent(
    backend,
    "notice",
    (target) => {
      setConflicts(false);
      setSheet(false);
      setSettings(false);
      setAnalytics(target.open === "analytics");
      if (target.open === "analytics") return;
      if (target.open === "item") {
        setFilters((f) => ({ ...DEFAULT_FILTERS, sort: f.sort }));
        session.select(target.item_id);
      } else {
        setFilters((f) => ({ ...DEFAULT_FILTERS, stage: target.open === "escalations" ? "escalation" : null, sort: f.sort }));
      }
    },
    signedIn,
  );

  // The reviewer's own fatigue signals: the break suggestion and the session readout.
  const fatigue = useOwnFatigue(backend, signedIn && !admin);

  const lastUndo = session.undoStack[session.undoStack.length - 1];
  const undoKey = activeKeys("undo", keys)[0];

  return (
    <KeySettingsContext.Provider value={keys}>
      <div className="app">
        <a className="skip-link" href="#review">
          {t("app.skip")}
        </a>
        <header className="topbar">
          <h1 className="brand">
            <span className="logo" aria-hidden="true">
              ✓
            </span>
            {t("app.brand")}
          </h1>
          <div className="topbar-actions">
            {signedIn && !admin && (
              <button type="button" className="quiet" onClick={() => setShift(true)} data-testid="open-shift-end">
                {t("shift.end")}
              </button>
            )}
            {mayAnalyse && (
              <button
                type="button"
                className="quiet"
                onClick={() => setAnalytics((a) => !a)}
                data-testid="open-analytics"
                aria-pressed={showAnalytics}
                aria-keyshortcuts={ariaKeys("analytics", keys)}
              >
                {t("analytics.open")} <KeyHint command="analytics" />
              </button>
            )}
            {!admin && (
              <button type="button" className="quiet" onClick={() => setConflicts((c) => !c)} data-testid="open-conflicts" aria-pressed={conflicts}>
                {t("app.conflicts")}
              </button>
            )}
            <button type="button" className="quiet" onClick={() => setSheet(true)} data-testid="open-shortcuts" aria-keyshortcuts={ariaKeys("help", keys)}>
              {t("app.shortcuts")} <KeyHint command="help" />
            </button>
            <button type="button" className="quiet" onClick={() => setSettings(true)} data-testid="open-settings">
              {t("app.settings")}
            </button>
            <button
              type="button"
              className="quiet"
              onClick={toggleTheme}
              data-testid="theme-toggle"
              aria-label={theme === "dark" ? t("app.toLight") : t("app.toDark")}
            >
              {theme === "dark" ? t("app.themeLight") : t("app.themeDark")}
            </button>
          </div>
        </header>

        {statusFailed ? (
          <ViewFailed error={statusFailed} what={t("app.openFailed")} action={t("app.tryAgain")} onAction={retryStatus} />
        ) : status && !signedIn ? (
          <main className="center-pane" id="review" aria-label={t("app.signIn")}>
            <SignInForm status={status} onStatus={setStatus} />
          </main>
        ) : showAnalytics ? (
          <ErrorBoundary
            fallbackRender={({ error }) => (
              <ViewFailed error={error} what={t("analytics.failed")} action={t("analytics.close")} onAction={() => setAnalytics(false)} />
            )}
          >
            <Suspense fallback={<p className="muted">{t("app.loading")}</p>}>
              <AnalyticsView onClose={() => setAnalytics(false)} />
            </Suspense>
          </ErrorBoundary>
        ) : status && admin ? (
          <AdminView backend={backend} status={status} now={now} onMessage={(text) => announce(text)} />
        ) : (
          <div className="workspace">
            <SavedViews filters={filters} onApply={setFilters} onMessage={(text) => announce(text)} />
            <Inbox
              inbox={inbox}
              filters={filters}
              onFilters={setFilters}
              selectedId={session.selectedId}
              selectedIndex={session.selectedIndex}
              onSelect={session.select}
              selection={selection}
              searchRef={searchRef}
              now={now}
            />
            <main className="review-pane" id="review" aria-label={t("app.review")}>
              <BulkBar selection={selection} status={status} onDecided={session.pushUndo} onUndone={session.dropUndo} announce={(text) => announce(text)} />
              {conflicts ? (
                <ConflictsView
                  onClose={() => setConflicts(false)}
                  onOpenItem={(id) => {
                    setConflicts(false);
                    session.select(id);
                  }}
                />
              ) : session.view ? (
                <ItemView
                  key={session.view.item.id}
                  ref={itemRef}
                  view={session.view}
                  now={now}
                  error={session.error}
                  demo={status?.mode === "embedded"}
                  signer={status?.signed_in_as ? (status.signed_in_as.full_name ?? status.signed_in_as.name) : ""}
                  onDecide={(id, req) => {
                    titleFocus.current = true;
                    void session.decide(id, req);
                  }}
                  onUndo={(id) => void session.undo(id)}
                  onOpenRelated={(id) => {
                    titleFocus.current = true;
                    session.select(id);
                  }}
                />
              ) : (
                <div className="empty big" data-testid="review-empty">
                  {session.error ? (
                    <ErrorNotice error={session.error} className="error-plain" />
                  ) : inbox.loaded && inbox.total === 0 && isFiltered(filters) ? (
                    <>
                      <strong>{t("app.nothingMatches")}</strong>
                      <button type="button" onClick={() => setFilters({ ...DEFAULT_FILTERS, sort: filters.sort })}>
                        {t("app.clearFilters")}
                      </button>
                    </>
                  ) : inbox.loaded && inbox.total === 0 ? (
                    <>
                      <strong>{t("app.caughtUp")}</strong>
                      <span>{t("app.caughtUpHint")}</span>
                    </>
                  ) : (
                    <span>{t("app.loading")}</span>
                  )}
                </div>
              )}
            </main>
          </div>
        )}

        <Toast
          message={message}
          undoLabel={undoKey === undefined ? null : keyLabel(undoKey)}
          onUndo={lastUndo ? () => void session.undo() : null}
          undoWindowSeconds={status?.online ? (status.undo_window_seconds ?? 0) : 0}
        />

        {/* An admin holds no work: nothing to upload or sync (the admin view says when it last read). */}
        {!admin && <BreakSuggestion signals={fatigue} />}
        {!admin && (
          <StatusBar
            status={status}
            now={now}
            session={<SessionReadout signals={fatigue} now={now} />}
            onSync={() => void backend.syncNow().then(setStatus, (e: unknown) => announce(plainError(toAppError(e))))}
            onConflicts={() => setConflicts(true)}
            onOutbox={() => {
              setConflicts(false);
              setFilters(OUTBOX_FILTERS);
            }}
            onSettings={() => setSettings(true)}
          />
        )}

        {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
        {shift && (
          <ShiftEndDialog
            onClose={() => setShift(false)}
            onEnded={(end) => {
              setShift(false);
              announce(shiftEndedText(end));
            }}
          />
        )}
        {settings && (
          <Dialog title={t("app.settings")} onClose={() => setSettings(false)} testId="settings-dialog">
            <SignInForm
              status={status}
              onStatus={(s) => {
                setStatus(s);
                setSettings(false);
              }}
            />
            {status?.undo_window_seconds != null && (
              <UndoWindowSetting
                seconds={status.undo_window_seconds}
                onChange={(seconds) => void backend.setUndoWindow(seconds).then(setStatus, (e: unknown) => announce(plainError(toAppError(e))))}
              />
            )}
            {status?.signed_in_as && <NotificationSettings teams={status.signed_in_as.teams} />}
            {status?.signed_in_as && status.signed_in_as.role !== "admin" && <SigningPinSetting />}
            <ShortcutSettings preferences={keyPreferences} />
          </Dialog>
        )}
      </div>
    </KeySettingsContext.Provider>
  );
}
