//! What crosses to the UI besides the core's own types. Each field is the wire name; `ts-rs` writes the
//! TypeScript side in test builds (see `bindings`).

use chrono::{DateTime, Utc};
use countersign_client::model::{
    AssignmentDetail, AssignmentSummary, DecisionInput, NotificationStatus, RecordedDecision,
    StageCounts,
};
use countersign_domain::{Action, BlindJudgement, BlindVerdict, Item, Me};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which queue the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The queue service running inside the app, with demo work.
    Embedded,
    Remote,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppStatus {
    pub mode: Mode,
    pub server: String,
    pub signed_in_as: Option<Me>,
    /// The last attempt to reach the server succeeded.
    pub online: bool,
    /// Decisions not yet acknowledged by the server.
    #[cfg_attr(test, ts(type = "number"))]
    pub pending: i64,
    #[cfg_attr(test, ts(type = "number"))]
    pub conflicts: i64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub notifications: NotificationStatus,
    /// How long a decision waits before upload (the undo toast counts it down); `None` when signed out,
    /// where nothing is uploaded.
    pub undo_window_seconds: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct InboxPage {
    pub rows: Vec<AssignmentSummary>,
    /// Rows matching the filters, over all pages.
    #[cfg_attr(test, ts(type = "number"))]
    pub total: i64,
    pub counts: StageCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AssignmentView {
    pub summary: AssignmentSummary,
    pub item: Item,
    pub decision: Option<RecordedDecision>,
    /// Whatever text the UI saved with `save_draft` (it may hold JSON of its own).
    pub draft: Option<String>,
    /// The actions the assignment's stage allows (`Stage::actions`): the UI offers only these.
    pub actions: Vec<Action>,
    /// On an item read blind first: the reviewer's own verdict once recorded; while
    /// `summary.blind_pending`, the item comes without the AI's proposal (docs/protocol.md,
    /// "Blind first read").
    #[cfg_attr(test, ts(optional))]
    pub blind_read: Option<BlindJudgement>,
}

impl From<AssignmentDetail> for AssignmentView {
    fn from(detail: AssignmentDetail) -> Self {
        Self {
            actions: detail.summary.stage.actions(),
            summary: detail.summary,
            item: detail.item,
            decision: detail.decision,
            // save_draft keeps the UI's text in the draft's note column.
            draft: detail.draft.and_then(|d| d.note),
            blind_read: detail.blind_read,
        }
    }
}

/// The reviewer's own read of an item read blind first, before the reveal.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BlindReadRequest {
    pub verdict: BlindVerdict,
    /// 1 (a guess) to 5 (certain).
    pub confidence: u8,
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub note: Option<String>,
}

/// A decision as the UI sends it. No Debug: `pin` is a secret and must never reach a log.
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DecisionRequest {
    pub action: Action,
    #[cfg_attr(test, ts(type = "unknown"))]
    pub correction: Option<Value>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    /// The sign-off statement the reviewer confirmed (clinical items).
    pub attestation: Option<String>,
    /// The reviewer's signing PIN, for a sign-off: it unseals this device's signing key and is
    /// never stored (docs/protocol.md, "Signatures").
    pub pin: Option<String>,
    /// Why the reviewer decided so (docs/protocol.md, "Corrections").
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub rationale: Option<String>,
    /// The decision's labels.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub tags: Option<Vec<String>>,
}

impl DecisionRequest {
    /// The core's input, and apart from it the signing PIN (used by the core, never stored).
    pub fn into_input(self) -> (DecisionInput, Option<String>) {
        let input = DecisionInput {
            action: self.action,
            correction: self.correction,
            reason_code: self.reason_code,
            note: self.note,
            attestation: self.attestation.map(Value::String),
            rationale: self.rationale,
            tags: self.tags.unwrap_or_default(),
            ..DecisionInput::new(self.action)
        };
        (input, self.pin)
    }
}
