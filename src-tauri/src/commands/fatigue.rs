//! Reviewer fatigue (docs/protocol.md, "Reviewer fatigue"): the opening time a decision reports, the
//! reviewer's own signals for the break suggestion and the session readout (the seniors' report is in
//! stats.rs).

use countersign_client::{Clock, SystemClock};
use countersign_domain::ItemId;
use countersign_domain::fatigue::FatigueSignals;
use tauri::State;

use crate::error::AppError;
use crate::session::Shell;

/// The item is on screen from now: a decision on it reports the time since as its time on item.
#[tauri::command]
pub async fn item_opened(shell: State<'_, Shell>, item_id: ItemId) -> Result<(), AppError> {
    let session = shell.current().await?;
    session
        .core
        .store
        .record_opening(item_id, SystemClock.now())
        .await?;
    Ok(())
}

/// The reviewer's own signals now, from the decisions made on this computer (works offline).
#[tauri::command]
pub async fn own_fatigue(shell: State<'_, Shell>) -> Result<FatigueSignals, AppError> {
    let session = shell.current().await?;
    Ok(session.core.store.own_fatigue(SystemClock.now()).await?)
}
