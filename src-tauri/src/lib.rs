//! The Countersign desktop app: a thin Tauri shell over the desktop core (countersign-client). It runs
//! the sync engine as a task, pushes `status-changed` and `inbox-changed` to the UI, brings the window
//! forward at a clicked notification (`notice-clicked`), keeps a tray icon with the count of open items, and with no server configured runs the queue service in-process.

mod bindings;
pub mod commands;
pub mod embedded;
pub mod error;
mod notice_click;
pub mod session;
mod tray;
pub mod view;
mod webview;

use std::path::PathBuf;

use tauri::{Emitter, Manager, Runtime};
use tokio::sync::mpsc;

use countersign_client::session::{Change, DATA_DIR_ENV};

use crate::session::Shell;

/// How to start.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Replaces the OS's app data directory.
    pub data_dir: Option<PathBuf>,
    /// Show the tray icon (it needs the GUI toolkit, so tests on the mock runtime leave it out).
    pub tray: bool,
}

/// Adds the commands, the state and the background tasks to `builder`; a function of its own so tests
/// can start from `tauri::test::mock_builder()`.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, launch: Launch) -> tauri::Builder<R> {
    builder
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let data_dir = match launch.data_dir {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            let (changes, received) = mpsc::unbounded_channel();
            // The session opens in the background while the window loads its page; commands wait
            // for it (Shell::current), and its opening is announced as an inbox change.
            app.manage(Shell::new(data_dir, changes));
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Err(error) = handle.state::<Shell>().current().await {
                    tracing::error!(%error, "cannot open the session");
                }
            });
            if launch.tray
                && let Err(error) = tray::create(app.handle())
            {
                // Headless sessions and desktops without a tray host are normal: carry on without it.
                tracing::warn!(%error, "no tray icon");
            }
            if let Some(window) = app.get_webview_window("main") {
                webview::tune(&window);
            }
            tauri::async_runtime::spawn(publish(app.handle().clone(), received));
            Ok(())
        })
}

/// Runs the app until its last window closes.
pub fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let launch = Launch {
        data_dir: std::env::var_os(DATA_DIR_ENV).map(PathBuf::from),
        tray: true,
    };
    builder(tauri::Builder::default(), launch).run(tauri::generate_context!())?;
    Ok(())
}

/// Turns changes into the UI's events and the tray's count; bursts are folded into one update (of
/// several clicked notices, the last one counts).
async fn publish<R: Runtime>(
    app: tauri::AppHandle<R>,
    mut received: mpsc::UnboundedReceiver<Change>,
) {
    while let Some(first) = received.recv().await {
        let (mut inbox, mut open) = (first.inbox, first.open);
        while let Ok(next) = received.try_recv() {
            inbox |= next.inbox;
            open = next.open.or(open);
        }
        let session = match app.state::<Shell>().current().await {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(%error, "no session to report on");
                continue;
            }
        };
        match session.status().await {
            Ok(status) => {
                let open = session.core.store.stage_counts().await.ok();
                tray::update(&app, open, status.pending);
                if let Err(error) = app.emit("status-changed", &status) {
                    tracing::warn!(%error, "cannot emit status-changed");
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the status"),
        }
        if inbox && let Err(error) = app.emit("inbox-changed", ()) {
            tracing::warn!(%error, "cannot emit inbox-changed");
        }
        if let Some(target) = open {
            notice_click::bring_forward(&app, target);
        }
    }
}
