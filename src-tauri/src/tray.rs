//! The tray icon: the count of open items at a glance, and a way back to the window.

use countersign_client::model::StageCounts;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "main";

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Countersign", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Countersign")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Shows how many items wait for a decision and how many decisions wait to upload.
pub fn update<R: Runtime>(app: &AppHandle<R>, open: Option<StageCounts>, pending: i64) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let open = open.map_or(0, |c| c.review + c.escalation + c.second_approval);
    let tooltip = format!("Countersign: {open} to review, {pending} waiting to upload");
    // The title is the label beside the icon on Linux (AppIndicator) and macOS.
    if let Err(error) = tray
        .set_title(Some(open.to_string()))
        .and_then(|()| tray.set_tooltip(Some(tooltip)))
    {
        tracing::debug!(%error, "cannot update the tray");
    }
}
