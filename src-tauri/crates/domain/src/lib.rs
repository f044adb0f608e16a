//! Countersign's domain and wire types, shared by the queue service and the desktop core.
//! Serde only, no I/O: the JSON shapes here are the ones docs/protocol.md spells out.

pub mod admin;
pub mod blind;
pub mod codes;
pub mod correction;
pub mod estimate;
/// Reviewer fatigue from behaviour: sessions, pace, streaks, reading time, the verdict.
pub mod fatigue;
pub mod gold;
pub mod history;
pub mod ids;
pub mod item;
pub mod kind;
/// `GET /v1/stats/overview`: throughput, SLA compliance, overrides, calibration.
pub mod overview;
pub mod signature;
pub mod sync;
pub mod thresholds;

use serde::{Deserialize, Serialize};

pub use admin::{IssuedToken, QueueHealth, QueueHealthRow, TokenRequest};
/// Blind first read: which assignments are blind, the judgement, agreement and switches.
pub use blind::{
    AfterReveal, BlindJudgement, BlindJudgementError, BlindReport, BlindReportRow, BlindTally,
    BlindVerdict, after_reveal, blind_first, check_judgement,
};
pub use codes::{ApiErrorCode, ResultCode};
pub use correction::{Corrected, CorrectionError, PatchOperation};
pub use estimate::{MIN_OBSERVATIONS, RateEstimate};
/// Gold items: known answers, scoring, the accuracy report (docs/protocol.md, "Gold items").
pub use gold::{GoldAccuracy, GoldAlert, GoldAnswer, GoldExpected, GoldReport, GoldResult};
/// An item's story: its audit entries, typed.
pub use history::{
    AuditAction, COMMENT_MAX_CHARS, HistoryEntry, ItemHistory, MentionNotice, mentions,
};
pub use ids::{ClientId, DecisionId, Epoch, ItemId, LeaseId, MutationId};
pub use item::{
    Action, AiProposal, DecisionRecord, Evidence, FieldFilter, Handoff, Item, ItemStatus,
    ItemValidationError, NewItem, Outcome, RELATED_LIMIT, RelatedItem, RelatedItems, Risk, Route,
    Signal,
};
pub use kind::{
    DisplayHints, FieldFormat, FieldHint, IdentifierHint, KindDefaults, KindDefinition, KindList,
    KindSpec, ReasonCode,
};
pub use overview::{
    CalibrationPoint, OverrideRate, OverrideRates, Overview, SlaCompliance, ThroughputDay,
};
pub use signature::{
    SignatureEnvelope, SignatureError, SignatureManifest, SignatureMeaning, SignatureRequirement,
    SignedDecision, SigningKeyRegistered, SigningKeyRequest, SigningPinRequest,
};
pub use sync::{
    Assignment, EscalationNotice, EventName, Lease, Mutation, MutationResult, MutationStatus,
    PullRequest, PullResponse, PushRequest, PushResponse, Removal, RemovalReason, Stage,
};
/// The threshold report of audited auto-approvals and shadow rules.
pub use thresholds::{
    AuditErrorRate, ShadowRuleReport, THRESHOLD_GRID, ThresholdRecommendation, ThresholdReport,
};

/// Who a token belongs to and what it may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    /// An AI system that submits items and reads its own.
    Producer,
    Reviewer,
    /// A reviewer who also receives escalations.
    Senior,
    /// Manages users, reads the audit log, exports feedback.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn reviews(self) -> bool {
        matches!(self, Role::Reviewer | Role::Senior)
    }
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Me {
    pub name: String,
    pub role: Role,
    /// The teams the user belongs to; items of other teams are never offered to them.
    #[serde(default)]
    pub teams: Vec<String>,
    /// The name a signature prints (admin-set, the login name by default); absent from older queues.
    #[serde(default)]
    pub full_name: Option<String>,
}

/// One user as `GET /v1/users` lists them (admins only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserSummary {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    /// A disabled user's token is refused and their leases went back to the queue.
    pub disabled: bool,
    /// The name the user's signatures print, when an admin set one (docs/protocol.md, "Signatures");
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub full_name: Option<String>,
}

/// The body of every error response: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable: match on this, never on the message.
    pub code: ApiErrorCode,
    /// A sentence for a person.
    pub message: String,
    /// For `schema_violation`: the JSON Pointer, from the item's root, of the value that failed
    /// (`/payload/amount`, `/ai/output/reply`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}
