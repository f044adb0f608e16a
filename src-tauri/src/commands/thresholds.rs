//! The threshold report of audited auto-approvals and shadow rules, for seniors and admins.

use countersign_domain::ThresholdReport;
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::session::Shell;

#[tauri::command]
pub async fn thresholds_report(shell: State<'_, Shell>) -> Result<ThresholdReport, AppError> {
    let remote = shell.current().await.core.remote.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::NotSignedIn,
            "sign in as a senior or an admin to see the threshold report",
        )
    })?;
    Ok(remote.thresholds_report().await?)
}
