//! `GET /v1/stats/overview` (docs/protocol.md, "Statistics endpoints"): how the review work went
//! over a window — throughput, the queue now, SLA compliance, how often people overrode the AI and
//! how well its confidence predicts their agreement. Every rate is a [`RateEstimate`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::admin::QueueHealthRow;
use crate::estimate::RateEstimate;

/// The overview report of the decisions made since `since`, for the teams the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Overview {
    /// The window's start (the report covers `since` up to `server_time`).
    pub since: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    /// Decisions per UTC day and team, oldest day first; days without decisions are left out.
    pub throughput: Vec<ThroughputDay>,
    /// The queue now: undecided items per team and stage, as `GET /v1/queue/health` counts them.
    pub queue: Vec<QueueHealthRow>,
    /// Per team: of the items with a due date decided in the window, how many in time.
    pub sla: Vec<SlaCompliance>,
    /// How often a person rejected or corrected the AI's proposal, per kind, model and band.
    pub overrides: OverrideRates,
    /// Per confidence band: the AI's mean confidence against how often people agreed with it.
    pub calibration: Vec<CalibrationPoint>,
}

/// The decisions people made on one UTC day for one team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ThroughputDay {
    pub day: NaiveDate,
    /// Null: items whose rule names no team.
    pub team: Option<String>,
    /// Approvals, approvals with edits and rejections recorded that day (escalations hand work
    /// over and timeouts are nobody's decision, so neither counts).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub decisions: u64,
}

/// SLA compliance of one team: successes are items decided at or before their `due_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SlaCompliance {
    /// Null: items whose rule names no team.
    pub team: Option<String>,
    pub in_time: RateEstimate,
}

/// Override rates (successes: items a person rejected or approved with edits, of the items people
/// decided) three ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverrideRates {
    pub by_kind: Vec<OverrideRate>,
    pub by_model: Vec<OverrideRate>,
    pub by_band: Vec<OverrideRate>,
}

/// One override rate; `key` is the kind, the model (null: the proposal named none) or the
/// confidence band's lower edge as text (`"0.8"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OverrideRate {
    pub key: Option<String>,
    pub rate: RateEstimate,
}

/// One confidence band of the calibration curve: a well-calibrated AI has `agreement` near
/// `mean_confidence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalibrationPoint {
    /// The band's lower edge (`0.8` is 0.8 ≤ confidence < 0.9).
    pub band: f64,
    /// The mean AI confidence of the items in the band.
    pub mean_confidence: f64,
    /// Successes: items a person approved as proposed.
    pub agreement: RateEstimate,
}
