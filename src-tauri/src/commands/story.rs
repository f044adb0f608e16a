//! The item's story: its timeline (the server's history, kept for held items so it opens offline) and
//! comments, which go through the outbox like decisions.

use countersign_client::store::LocalComment;
use countersign_client::story::{ItemStory, item_story};
use countersign_client::{Clock, SystemClock};
use countersign_domain::ItemId;
use tauri::State;

use crate::error::AppError;
use crate::session::Shell;

/// The item's timeline: from the server when it answers, else as last kept.
#[tauri::command]
pub async fn item_history(shell: State<'_, Shell>, item_id: ItemId) -> Result<ItemStory, AppError> {
    let session = shell.current().await?;
    let remote = session.core.remote.as_ref();
    Ok(item_story(&session.core.store, remote, item_id, SystemClock.now()).await?)
}

/// Queues a comment on a held item; returns once it is durable, the upload happens in the background.
#[tauri::command]
pub async fn comment(
    shell: State<'_, Shell>,
    item_id: ItemId,
    text: String,
) -> Result<LocalComment, AppError> {
    let session = shell.current().await?;
    let comment = session
        .core
        .store
        .comment(item_id, &text, SystemClock.now())
        .await?;
    shell.changed(false);
    Ok(comment)
}
