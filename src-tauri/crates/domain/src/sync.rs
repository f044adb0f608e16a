//! The reviewer sync protocol: pull assignments, push mutations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blind::BlindJudgement;
use crate::codes::ResultCode;
use crate::correction::PatchOperation;
use crate::ids::{ClientId, DecisionId, Epoch, ItemId, LeaseId, MutationId};
use crate::item::{Action, Item};
use crate::signature::{SignatureEnvelope, SignedDecision};

/// Which step of review an assignment is for.
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
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Stage {
    Review,
    Escalation,
    SecondApproval,
    /// A sampled check of an auto-approved item (a rule's `audit_sample`): the person says whether
    /// the AI was right; the item's outcome stays as it is (docs/protocol.md, "Audited
    /// auto-approvals and thresholds").
    Audit,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Why a holder of this stage may not take `action`, or None when they may (docs/protocol.md,
    /// "Push"): the queue refuses such a mutation, the desktop refuses to record it and hides it.
    pub fn refusal(self, action: Action) -> Option<&'static str> {
        match (self, action) {
            (Stage::Escalation, Action::Escalate) => Some("the item is already escalated"),
            (Stage::SecondApproval, Action::Escalate | Action::ApproveWithEdits) => Some(
                "a second approval approves or rejects the first approver's decision as it stands",
            ),
            (Stage::Audit, Action::Escalate | Action::ApproveWithEdits) => Some(
                "an audit approves (the AI was right) or rejects (the AI was wrong) the auto-approval as it stands",
            ),
            _ => None,
        }
    }

    /// The decisions (and the release) a holder of this stage may make, in the order they are offered.
    pub fn actions(self) -> Vec<Action> {
        [
            Action::Approve,
            Action::ApproveWithEdits,
            Action::Reject,
            Action::Escalate,
            Action::Release,
        ]
        .into_iter()
        .filter(|&action| self.refusal(action).is_none())
        .collect()
    }
}

/// One grant of an item to one user, fenced by its epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lease {
    pub id: LeaseId,
    pub epoch: Epoch,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub item: Item,
    pub stage: Stage,
    pub lease: Lease,
}

/// Why an item left a reviewer's assignments.
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
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RemovalReason {
    DecidedElsewhere,
    Reassigned,
    Cancelled,
    /// The deadline passed and the policy's `on_breach = "timeout_reject"` decided the item.
    TimedOut,
}

impl RemovalReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removal {
    pub item_id: ItemId,
    pub reason: RemovalReason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullRequest {
    pub client_id: ClientId,
    /// Opaque; null asks for everything held.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Held items the reviewer has opened since the last pull: their leases are renewed without
    /// limit, unopened ones only `max_unopened_renewals` times (docs/protocol.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opened: Vec<ItemId>,
    /// At most this many new leases in this pull, at least 1; omitted: up to the prefetch target.
    /// A client pulls a large prefetch in pages this way, showing each page as it lands
    /// (docs/protocol.md, "Paged pulls").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_grants: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub cursor: String,
    pub last_mutation_id: MutationId,
    pub server_time: DateTime<Utc>,
    pub assignments: Vec<Assignment>,
    pub removed: Vec<Removal>,
    /// This pull stopped at the request's `max_grants` and the caller has room for more work:
    /// pull again with the new cursor for the next page.
    #[serde(default)]
    pub more: bool,
}

/// One decision (or release) sent by a client; ids grow by one per client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    pub id: MutationId,
    pub decision_id: DecisionId,
    pub item_id: ItemId,
    pub lease_id: LeaseId,
    pub lease_epoch: Epoch,
    pub action: Action,
    /// The human version of `ai.output`; required for approve_with_edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Value>,
    /// Required for reject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A clinical sign-off statement, kept in the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_time: Option<DateTime<Utc>>,
    /// An RFC 6902 JSON Patch against `ai.output`: the correction of an approve_with_edits, field
    /// by field (docs/protocol.md, "Corrections"). With `correction` too, both must agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Vec<PatchOperation>>,
    /// Why the reviewer corrected, rejected or approved: kept with the decision and exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// Short labels of the decision (`wrong_merchant`, say), kept and exported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The signer's electronic signature over this decision; required for approvals of an item
    /// with `signature_required` (docs/protocol.md, "Signatures").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureEnvelope>,
    /// The reviewer's own verdict, recorded before the AI's proposal was shown; required for a
    /// decision on an item read blind first (docs/protocol.md, "Blind first read").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blind_judgement: Option<BlindJudgement>,
    /// When the reviewer opened the item, by the client's clock: with `client_time`, the time on
    /// item the fatigue measures use (docs/protocol.md, "Reviewer fatigue"). Kept with the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub client_id: ClientId,
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MutationStatus {
    Applied,
    Conflict,
    Rejected,
}

/// The server's verdict on one mutation; replayed verbatim for a resent id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub id: MutationId,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ResultCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub last_mutation_id: MutationId,
    pub results: Vec<MutationResult>,
}

impl Mutation {
    /// The part of this mutation a signature covers.
    pub fn signed_decision(&self) -> SignedDecision<'_> {
        SignedDecision {
            item_id: self.item_id,
            decision_id: self.decision_id,
            action: self.action,
            correction: self.correction.as_ref(),
            reason_code: self.reason_code.as_deref(),
            note: self.note.as_deref(),
        }
    }
}

/// The conflict a decision meets when its item was taken away for this reason.
impl From<RemovalReason> for ResultCode {
    fn from(reason: RemovalReason) -> Self {
        match reason {
            RemovalReason::Reassigned => ResultCode::Reassigned,
            RemovalReason::DecidedElsewhere => ResultCode::DecidedElsewhere,
            RemovalReason::Cancelled => ResultCode::Cancelled,
            RemovalReason::TimedOut => ResultCode::TimedOut,
        }
    }
}

/// The event names of `GET /v1/events` (docs/protocol.md, "Events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum EventName {
    /// A reviewer's or senior's assignments may have changed: pull.
    Assignments,
    /// One of a producer's items may have reached its outcome.
    Items,
    /// An item was just escalated to the caller's queue ([`EscalationNotice`]); a pull follows.
    Escalation,
    /// A comment mentioned the caller ([`crate::MentionNotice`]).
    Mention,
    /// A reviewer of the caller's team fell below its `min_gold_accuracy` ([`crate::GoldAlert`]).
    GoldAlert,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The data of an `escalation` event: which item was escalated, enough for the senior's desktop to
/// tell them at once, before the pull that brings the item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalationNotice {
    pub item_id: ItemId,
    /// The item's title, cut to [`EscalationNotice::TITLE_CHARS`] characters.
    pub title: String,
    pub kind: String,
    pub team: Option<String>,
    /// A past-due escalation is shown even in quiet hours or for a muted kind.
    pub due_at: Option<DateTime<Utc>>,
}

impl EscalationNotice {
    /// A notification shows one line; the cut also keeps a PostgreSQL NOTIFY payload far below its
    /// 8,000-byte limit.
    pub const TITLE_CHARS: usize = 200;

    pub fn of(item: &Item) -> Self {
        EscalationNotice {
            item_id: item.id,
            title: item.title.chars().take(Self::TITLE_CHARS).collect(),
            kind: item.kind.clone(),
            team: item.team.clone(),
            due_at: item.due_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_offers_exactly_what_it_does_not_refuse() {
        use Action::*;
        assert_eq!(
            Stage::Review.actions(),
            [Approve, ApproveWithEdits, Reject, Escalate, Release]
        );
        assert_eq!(
            Stage::Escalation.actions(),
            [Approve, ApproveWithEdits, Reject, Release]
        );
        assert_eq!(Stage::SecondApproval.actions(), [Approve, Reject, Release]);
        assert_eq!(Stage::Audit.actions(), [Approve, Reject, Release]);
        assert!(Stage::Audit.refusal(Escalate).is_some());
        assert!(Stage::Escalation.refusal(Escalate).is_some());
        assert!(Stage::SecondApproval.refusal(ApproveWithEdits).is_some());
        // A comment is not a decision: no stage refuses it (the push judges it apart).
        assert!(Stage::SecondApproval.refusal(Comment).is_none());
    }
}
