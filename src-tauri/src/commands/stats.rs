//! The analytics view's reports (docs/protocol.md, "Statistics endpoints"): one line each over the
//! queue connection `countersign_client::stats::reader` gives a senior or an admin (anyone else is
//! refused there, before the queue refuses them too).

use countersign_client::stats::{self, StatsError};
use countersign_domain::fatigue::FatigueReport;
use countersign_domain::{BlindReport, GoldReport, Overview, ThresholdReport};
use tauri::State;

use crate::error::AppError;
use crate::session::Shell;

/// Throughput, the queue now, SLA, overrides and calibration over the queue's default window.
#[tauri::command]
pub async fn stats_overview(shell: State<'_, Shell>) -> Result<Overview, AppError> {
    let queue = stats::reader(&shell.current().await?.core)?;
    Ok(queue.stats_overview().await.map_err(StatsError::from)?)
}

/// Agreement before the reveal and switches after it, per reviewer, kind and model.
#[tauri::command]
pub async fn blind_report(shell: State<'_, Shell>) -> Result<BlindReport, AppError> {
    let queue = stats::reader(&shell.current().await?.core)?;
    Ok(queue.blind_report().await.map_err(StatsError::from)?)
}

/// Gold accuracy per reviewer and kind.
#[tauri::command]
pub async fn gold_stats(shell: State<'_, Shell>) -> Result<GoldReport, AppError> {
    let queue = stats::reader(&shell.current().await?.core)?;
    Ok(queue.gold_stats().await.map_err(StatsError::from)?)
}

/// The AI's error on audited auto-approvals, the recommended thresholds and the shadow rules.
#[tauri::command]
pub async fn thresholds_report(shell: State<'_, Shell>) -> Result<ThresholdReport, AppError> {
    let queue = stats::reader(&shell.current().await?.core)?;
    Ok(queue.thresholds_report().await.map_err(StatsError::from)?)
}

/// The fatigue signals of the senior's teams' people (an admin's: everyone).
#[tauri::command]
pub async fn fatigue_report(shell: State<'_, Shell>) -> Result<FatigueReport, AppError> {
    let queue = stats::reader(&shell.current().await?.core)?;
    Ok(queue.fatigue_report().await.map_err(StatsError::from)?)
}
