//! A clicked notification brings the app forward at what it is about: the main window is shown,
//! unminimised and focused, and the UI gets `notice-clicked` with the `NoticeTarget` to open (an
//! item, or the inbox filtered to escalations for a summary). The core reports the click through the
//! session's change channel; this is the shell's half.

use countersign_client::notify::NoticeTarget;
use tauri::{Emitter, Manager, Runtime};

/// The UI's event for a clicked notice; its payload is the `NoticeTarget`.
pub const NOTICE_CLICKED: &str = "notice-clicked";

pub fn bring_forward<R: Runtime>(app: &tauri::AppHandle<R>, target: NoticeTarget) {
    if let Some(window) = app.get_webview_window("main") {
        let steps = [
            ("unminimise", window.unminimize()),
            ("show", window.show()),
            ("focus", window.set_focus()),
        ];
        for (step, result) in steps {
            if let Err(error) = result {
                tracing::warn!(%error, step, "cannot bring the window forward");
            }
        }
    }
    if let Err(error) = app.emit(NOTICE_CLICKED, target) {
        tracing::warn!(%error, "cannot emit {NOTICE_CLICKED}");
    }
}
