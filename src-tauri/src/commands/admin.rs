//! The admin view (users, token rotation, queue health) and the end of a reviewer's shift: a few
//! lines each over `countersign_client::admin` and `countersign_client::shift`.

use countersign_client::admin::{self, Directory, UserChange};
use countersign_client::remote::QueueClient;
use countersign_client::shift::{self, ShiftEnd};
use countersign_client::{Clock, SystemClock};
use countersign_domain::{IssuedToken, QueueHealth, TokenRequest, UserSummary};
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::session::Shell;

pub(super) async fn remote(shell: &Shell) -> Result<QueueClient, AppError> {
    shell
        .current()
        .await?
        .core
        .remote
        .clone()
        .ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "sign in with an admin token first"))
}

#[tauri::command]
pub async fn admin_directory(shell: State<'_, Shell>) -> Result<Directory, AppError> {
    Ok(admin::directory(&remote(&shell).await?).await?)
}

#[tauri::command]
pub async fn change_user(
    shell: State<'_, Shell>,
    name: String,
    change: UserChange,
) -> Result<UserSummary, AppError> {
    Ok(admin::change_user(&remote(&shell).await?, &name, &change).await?)
}

/// The new token goes back to the window that asked, to be shown once; the app keeps no copy.
#[tauri::command]
pub async fn rotate_token(
    shell: State<'_, Shell>,
    name: String,
    request: TokenRequest,
) -> Result<IssuedToken, AppError> {
    Ok(admin::rotate_token(&remote(&shell).await?, &name, &request).await?)
}

#[tauri::command]
pub async fn queue_health(shell: State<'_, Shell>) -> Result<QueueHealth, AppError> {
    Ok(admin::queue_health(&remote(&shell).await?).await?)
}

/// How many held items an end of shift would give back now.
#[tauri::command]
pub async fn shift_items(shell: State<'_, Shell>) -> Result<u32, AppError> {
    let items = shift::items_to_release(&shell.current().await?.core.store).await?;
    Ok(u32::try_from(items.len()).unwrap_or(u32::MAX))
}

#[tauri::command]
pub async fn end_shift(shell: State<'_, Shell>, note: String) -> Result<ShiftEnd, AppError> {
    let session = shell.current().await?;
    let engine = session
        .core
        .engine
        .as_ref()
        .ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "sign in to end a shift"))?;
    let end = shift::end_shift(&session.core.store, engine, &note, SystemClock.now()).await?;
    shell.changed(true);
    Ok(end)
}
