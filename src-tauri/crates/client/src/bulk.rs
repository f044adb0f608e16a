//! Bulk decisions, without storage: what one action on many items is, what it changed, and the one rule
//! of which items may be decided in bulk (issue: a sign-off, a four-eyes second approval, an item
//! already decided or no longer held is decided one at a time or not at all). `store::bulk` applies it.

use countersign_domain::{Action, Item, ItemId, Stage};
use serde::{Deserialize, Serialize};

use crate::decision::needs_sign_off;
use crate::model::{AssignmentStatus, DecisionInput};
use countersign_domain::blind::needs_judgement;
use countersign_domain::blind_first;

/// One action for every item of a selection; each item still gets its own decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkDecision {
    pub action: Action,
    pub reason_code: Option<String>,
    pub note: Option<String>,
}

impl BulkDecision {
    /// The decision each item gets.
    pub fn input(&self) -> DecisionInput {
        DecisionInput {
            reason_code: self.reason_code.clone(),
            note: self.note.clone(),
            ..DecisionInput::new(self.action)
        }
    }
}

/// What a bulk decision did: the items decided, and those skipped with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkOutcome {
    pub decided: Vec<ItemId>,
    pub skipped: Vec<BulkSkip>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkSkip {
    pub item_id: ItemId,
    pub reason: BulkSkipReason,
}

/// Why an item of a selection is not decided in bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BulkSkipReason {
    /// Approving it is a sign-off with an attestation: one at a time.
    SignOff,
    /// A four-eyes second approval: one at a time.
    SecondApproval,
    /// Already decided here (waiting to upload or uploaded).
    AlreadyDecided,
    /// No longer held (released, reclaimed, removed).
    NotHeld,
    /// Its stage does not allow the action ([`Stage::refusal`]): an escalated item is not escalated again.
    NotAtStage,
    /// An audit of an auto-approval: each is judged on its own, or the audit measures nothing.
    Audit,
    /// Read blind first ([`countersign_domain::blind_first`]): each decision follows the reviewer's
    /// own read of that item, one at a time.
    BlindFirst,
}

/// Why a bulk call is refused as a whole (nothing is decided).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkError {
    #[error("{0:?} is not a bulk action: approve with edits needs each item's own correction")]
    NotABulkAction(Action),
    #[error("item {item_id}: {error}; nothing was decided")]
    Invalid {
        item_id: ItemId,
        error: crate::decision::DecisionError,
    },
}

/// The held item as the rule sees it.
pub struct Candidate<'a> {
    pub item: &'a Item,
    pub stage: Stage,
    pub status: AssignmentStatus,
    /// The server took it away, kept here only for its unsent decision.
    pub removed: bool,
}

/// The one rule: why `action` on `candidate` (None: not held here) is skipped in bulk, if it is.
pub fn skip_reason(candidate: Option<&Candidate<'_>>, action: Action) -> Option<BulkSkipReason> {
    let Some(candidate) = candidate else {
        return Some(BulkSkipReason::NotHeld);
    };
    if candidate.removed {
        Some(BulkSkipReason::NotHeld)
    } else if !matches!(
        candidate.status,
        AssignmentStatus::Open | AssignmentStatus::Rejected
    ) {
        Some(BulkSkipReason::AlreadyDecided)
    } else if candidate.stage == Stage::SecondApproval {
        Some(BulkSkipReason::SecondApproval)
    } else if candidate.stage == Stage::Audit {
        Some(BulkSkipReason::Audit)
    } else if candidate.stage.refusal(action).is_some() {
        Some(BulkSkipReason::NotAtStage)
    } else if needs_sign_off(candidate.item, action) {
        Some(BulkSkipReason::SignOff)
    } else if blind_first(candidate.item, candidate.stage) && needs_judgement(action) {
        Some(BulkSkipReason::BlindFirst)
    } else {
        None
    }
}
