//! The threshold report (`GET /v1/stats/thresholds`, `countersign-queue report thresholds`;
//! docs/protocol.md, "Audited auto-approvals and thresholds"): from the audits of auto-approved
//! items, the AI's error rate per kind, model and confidence band, the lowest confidence threshold
//! whose error stays under the policy's target, and how shadow rules would have routed.

use serde::{Deserialize, Serialize};

use crate::estimate::RateEstimate;
use crate::item::Route;

/// The confidence thresholds a recommendation is chosen from: 0.50, 0.55, … 0.95, then 0.99.
pub const THRESHOLD_GRID: [f64; 11] = [
    0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 0.99,
];

/// The AI's error rate on audited auto-approvals of one kind, model and confidence band: the
/// audits that rejected the AI's answer out of all audits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditErrorRate {
    pub kind: String,
    /// `ai.model`, or None when the producer named none.
    pub model: Option<String>,
    /// The band's lower edge (`estimate::confidence_band`: tenths).
    pub band: f64,
    pub error: RateEstimate,
}

/// For one kind and model: the lowest threshold of [`THRESHOLD_GRID`] at which the audited items
/// of at least that confidence have an error rate whose Wilson upper bound is below
/// `target_error`, never below the grid point at or under the lowest audited confidence; None when
/// no threshold qualifies (or there is not enough data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ThresholdRecommendation {
    pub kind: String,
    pub model: Option<String>,
    /// The policy's `target_error` for the kind (a rule's, else the policy's).
    pub target_error: f64,
    pub threshold: Option<f64>,
    /// The error rate of the audited items at or above `threshold` (all audits of the kind and
    /// model when there is no threshold).
    pub error: RateEstimate,
}

/// What one shadow rule would have done (docs/protocol.md, "Shadow rules").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShadowRuleReport {
    pub rule: String,
    pub route: Route,
    /// Submitted items the rule would have decided, of which its route equals the live route.
    pub agrees_with_live: RateEstimate,
    /// Of the items it would have decided that a person judged (a final decision, or an audit
    /// verdict): how often the person agreed with its route. An auto-approval agrees with an
    /// approval without edits; a review or escalation with any other outcome.
    pub agrees_with_human: RateEstimate,
}

/// `GET /v1/stats/thresholds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ThresholdReport {
    pub grid: Vec<f64>,
    pub error_rates: Vec<AuditErrorRate>,
    pub recommendations: Vec<ThresholdRecommendation>,
    pub shadow: Vec<ShadowRuleReport>,
}
