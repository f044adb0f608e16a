//! The analytics view's reports: a few lines each over `countersign_client::stats`, which refuses
//! reviewers before the queue does.

use countersign_client::stats;
use countersign_domain::Overview;
use tauri::State;

use crate::error::AppError;
use crate::session::Shell;

#[tauri::command]
pub async fn stats_overview(shell: State<'_, Shell>) -> Result<Overview, AppError> {
    Ok(stats::overview(&shell.current().await.core).await?)
}
