import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ErrorBoundary } from "react-error-boundary";
import { locale, t } from "./i18n";
import { repairNavigatorLanguage } from "./lib/navigatorLocale";
import { ViewFailed } from "./features/announce/ViewFailed";
import { App, type Panel } from "./App";
import { createBackend } from "./lib/backend";
import { DEFAULT_FILTERS } from "./features/inbox/usePagedInbox";
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

createBackend().then(
  (backend) =>
    root.render(
      <StrictMode>
        <ErrorBoundary
          fallbackRender={({ error }) => (
            <ViewFailed error={error} what={t("app.crashed")} action={t("app.reload")} onAction={() => window.location.reload()} />
          )}
        >
          <App backend={backend} initialFilters={{ ...DEFAULT_FILTERS, kind: kind || null }} initialPanel={panel} />
        </ErrorBoundary>
      </StrictMode>,
    ),
  (error: unknown) => root.render(<p className="empty big">{error instanceof Error ? error.message : String(error)}</p>),
);
