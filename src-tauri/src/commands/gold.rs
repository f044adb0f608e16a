//! The gold report of the analytics view (docs/protocol.md, "Gold items"): one line over the core's
//! typed call.

use countersign_domain::GoldReport;
use tauri::State;

use super::admin::remote;
use crate::error::AppError;
use crate::session::Shell;

/// Gold accuracy per reviewer and kind, for a senior's teams or an admin's queue.
#[tauri::command]
pub async fn gold_stats(shell: State<'_, Shell>) -> Result<GoldReport, AppError> {
    Ok(remote(&shell).await?.gold_stats().await?)
}
