import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ErrorBoundary } from "react-error-boundary";
import { locale, t } from "./i18n";
import { repairNavigatorLanguage } from "./lib/navigatorLocale";
import { ViewFailed } from "./features/announce/ViewFailed";
import { App, type Panel } from "./App";
import { createBackend } from "./lib/backend";
import { DEFAULT_FILTERS, PAGE_SIZE, pageQuery } from "./features/inbox/usePagedInbox";
import { withStartupAnswers } from "./lib/backend/startup";
import "./styles.css";

// Every module of the app is loaded and evaluated by here (the desktop bench, tests/benches/desktop.rs,
// shows this mark in its start-up breakdown).
performance.mark("app:evaluated");
repairNavigatorLanguage(navigator, locale());

// `?kind=…` preselects a kind filter (handy for screenshots and demos).
const params = new URLSearchParams(window.location.search);
const kind = params.get("kind");
const view = params.get("view");
const panel: Panel = view === "conflicts" || view === "shortcuts" || view === "settings" ? view : null;
const root = createRoot(document.getElementById("root")!);
const initialFilters = { ...DEFAULT_FILTERS, kind: kind || null };

createBackend().then(
  (plain) => {
    // The first answers are on their way while React renders the window.
    const backend = withStartupAnswers(plain, pageQuery(initialFilters, 0, PAGE_SIZE));
    root.render(
      <StrictMode>
        <ErrorBoundary
          fallbackRender={({ error }) => (
            <ViewFailed error={error} what={t("app.crashed")} action={t("app.reload")} onAction={() => window.location.reload()} />
          )}
        >
          <App backend={backend} initialFilters={initialFilters} initialPanel={panel} />
        </ErrorBoundary>
      </StrictMode>,
    );
  },
  (error: unknown) => root.render(<p className="empty big">{error instanceof Error ? error.message : String(error)}</p>),
);
