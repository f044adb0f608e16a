//! Status, sync and who the app is signed in as.

use countersign_client::preferences::NotificationPreferences;
use tauri::State;

use crate::error::AppError;
use crate::session::Shell;
use crate::view::AppStatus;

#[tauri::command]
pub async fn app_status(shell: State<'_, Shell>) -> Result<AppStatus, AppError> {
    shell.current().await?.status().await
}

/// One sync round now, the inbox told of each page as it lands; its failure is recorded in the
/// status, not returned.
#[tauri::command]
pub async fn sync_now(shell: State<'_, Shell>) -> Result<AppStatus, AppError> {
    let session = shell.current().await?;
    if let Some(engine) = &session.core.engine {
        let inbox = engine
            .sync_paged(&mut |_| shell.changed(true))
            .await
            .is_ok();
        shell.changed(inbox);
    }
    session.status().await
}

#[tauri::command]
pub async fn sign_in(
    shell: State<'_, Shell>,
    server: String,
    token: String,
) -> Result<AppStatus, AppError> {
    shell.sign_in(&server, &token).await?;
    shell.current().await?.status().await
}

#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>) -> Result<AppStatus, AppError> {
    shell.sign_out().await?;
    shell.current().await?.status().await
}

#[tauri::command]
pub async fn use_embedded_demo(shell: State<'_, Shell>) -> Result<AppStatus, AppError> {
    shell.use_embedded_demo().await?;
    shell.current().await?.status().await
}

/// How long a decision waits before upload, kept across restarts.
#[tauri::command]
pub async fn set_undo_window(shell: State<'_, Shell>, seconds: u32) -> Result<AppStatus, AppError> {
    shell.set_undo_window(seconds).await?;
    shell.current().await?.status().await
}

/// Which notifications are shown (muted kinds and teams, do-not-disturb hours).
#[tauri::command]
pub async fn notification_preferences(
    shell: State<'_, Shell>,
) -> Result<NotificationPreferences, AppError> {
    Ok(shell.notification_preferences())
}

/// Keeps the preferences across restarts and applies them to the running sync at once.
#[tauri::command]
pub async fn set_notification_preferences(
    shell: State<'_, Shell>,
    preferences: NotificationPreferences,
) -> Result<NotificationPreferences, AppError> {
    shell.set_notification_preferences(preferences).await?;
    Ok(shell.notification_preferences())
}

/// Sets the signing PIN on the queue (`current`: the PIN set before, if any) and registers this
/// device's signing key, sealed by it in the OS keyring (docs/protocol.md, "Signatures").
#[tauri::command]
pub async fn set_signing_pin(
    shell: State<'_, Shell>,
    pin: String,
    current: Option<String>,
) -> Result<(), AppError> {
    let session = shell.current().await?;
    session
        .core
        .set_signing_pin(&pin, current.as_deref().filter(|text| !text.is_empty()))
        .await?;
    Ok(())
}
