import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, type Panel } from "./App";
import { createBackend } from "./lib/backend";
import { DEFAULT_FILTERS } from "./features/inbox/usePagedInbox";
import "./styles.css";

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
        <App backend={backend} initialFilters={{ ...DEFAULT_FILTERS, kind: kind || null }} initialPanel={panel} />
      </StrictMode>,
    ),
  (error: unknown) => root.render(<p className="empty big">{error instanceof Error ? error.message : String(error)}</p>),
);
