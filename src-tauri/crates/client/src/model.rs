//! The desktop core's plain model: what the store keeps and the shells show, with no storage in it. The
//! sync planner and the shells import these; only `store` knows how they are written down.

use chrono::{DateTime, Utc};
use countersign_domain::{
    Action, BlindJudgement, ClientId, DecisionId, Epoch, Item, ItemId, LeaseId, MutationId,
    MutationStatus, PatchOperation, RemovalReason, ResultCode, Risk, SignatureEnvelope, Stage,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A wire name that names no variant: a value written by a newer version, or a typo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {found:?}: expected one of {expected:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub found: String,
    pub expected: &'static [&'static str],
}

/// A closed set of names that cross a boundary (the store's text columns, JSON, TypeScript): each
/// variant's wire name is written once, here, and serde, `as_str`, `FromStr` and ts-rs all read it.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $wire, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $wire => Ok(Self::$variant), )+
                    _ => Err($crate::model::UnknownName {
                        what: stringify!($name),
                        found: s.to_owned(),
                        expected: &[$($wire),+],
                    }),
                }
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// Where an assignment stands locally.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum AssignmentStatus {
        /// Nothing decided yet.
        Open = "open",
        /// A decision waits to be uploaded.
        Decided = "decided",
        /// The server applied the decision.
        Uploaded = "uploaded",
        /// The server kept the decision only as a late opinion; see the conflicts.
        Conflict = "conflict",
        /// The server refused the decision; its message says why. It can be decided again.
        Rejected = "rejected",
    }
}

wire_enum! {
    /// Where a decision stands in the outbox.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum OutboxState {
        /// Not sent yet, so without a mutation id; it can still be undone.
        Pending = "pending",
        /// Sent under its mutation id at least once; resent under the same id until answered.
        InFlight = "in_flight",
        /// The server answered; `result_status` says how.
        Done = "done",
    }
}

wire_enum! {
    /// One line of the local decision log.
    pub enum HistoryEvent {
        Decided = "decided",
        Undone = "undone",
        Applied = "applied",
        Conflict = "conflict",
        Rejected = "rejected",
    }
}

/// How the inbox is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SortOrder {
    /// Highest priority first, then soonest due.
    #[default]
    Priority,
    /// Soonest due first; items without a due date last.
    Due,
    /// Riskiest first, then highest priority.
    Risk,
}

pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A page of the inbox, filtered in SQL. The app's UI sends it as an `InboxQuery`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "InboxQuery"))]
pub struct ListQuery {
    pub kind: Option<String>,
    pub stage: Option<Stage>,
    pub risk: Option<Risk>,
    pub status: Option<AssignmentStatus>,
    pub sort: SortOrder,
    pub offset: u32,
    /// 0 means the default page size (100); at most 1000.
    pub limit: u32,
    /// Only open items due at most this many minutes from now (overdue ones included).
    pub due_within_minutes: Option<u32>,
    /// The time `due_within_minutes` counts from: the caller's clock, set with [`ListQuery::at`] (the
    /// core never reads the wall clock). Not sent by the UI; without it the due filter matches nothing.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub due_from: Option<DateTime<Utc>>,
}

impl ListQuery {
    /// This query with its due filter counted from `now`.
    pub fn at(self, now: DateTime<Utc>) -> Self {
        Self {
            due_from: Some(now),
            ..self
        }
    }

    /// The latest due date `due_within_minutes` lets through; the epoch's start (nothing is due before
    /// it) when the query was not given a time.
    pub fn due_by(&self) -> Option<DateTime<Utc>> {
        let minutes = self.due_within_minutes?;
        Some(match self.due_from {
            Some(from) => from + chrono::Duration::minutes(i64::from(minutes)),
            None => DateTime::<Utc>::MIN_UTC,
        })
    }

    /// The rows one page holds: `limit`, or the default for 0, never more than the maximum.
    pub fn page_size(&self) -> u32 {
        match self.limit {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        }
    }
}

/// Open assignments (nothing decided yet) per review stage: the inbox's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StageCounts {
    pub review: u32,
    pub escalation: u32,
    pub second_approval: u32,
    /// Audits of auto-approved items (docs/protocol.md, "Audited auto-approvals and thresholds").
    pub audit: u32,
}

/// One inbox row: what a list shows without opening the item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssignmentSummary {
    pub item_id: ItemId,
    pub kind: String,
    pub title: String,
    pub stage: Stage,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub priority: i64,
    pub risk: Risk,
    pub confidence: f64,
    pub due_at: Option<DateTime<Utc>>,
    pub status: AssignmentStatus,
    /// Why the server rejected the decision, or what the conflict was.
    pub status_message: Option<String>,
    pub lease_id: LeaseId,
    pub lease_epoch: Epoch,
    pub lease_expires_at: DateTime<Utc>,
    /// Set when the server took the item away while a local decision on it was unsent.
    pub removed_reason: Option<RemovalReason>,
    /// Read blind first and the reviewer's own verdict is not recorded yet: nothing of the AI's
    /// judgement (risk, confidence, proposal) may be shown (docs/protocol.md, "Blind first read").
    #[serde(default)]
    pub blind_pending: bool,
}

/// What a reviewer decides, before it becomes a mutation; `crate::decision` checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionInput {
    pub action: Action,
    #[serde(default)]
    pub correction: Option<Value>,
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub attestation: Option<Value>,
    /// The correction as an RFC 6902 patch against `ai.output` (with or instead of `correction`).
    #[serde(default)]
    pub patch: Option<Vec<PatchOperation>>,
    #[serde(default)]
    pub rationale: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl DecisionInput {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            correction: None,
            reason_code: None,
            note: None,
            attestation: None,
            patch: None,
            rationale: None,
            tags: Vec::new(),
        }
    }
}

/// What the store kept of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordedDecision {
    pub decision_id: DecisionId,
    pub item_id: ItemId,
    pub action: Action,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub correction: Option<Value>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub attestation: Option<Value>,
    pub client_time: DateTime<Utc>,
    /// Set once the decision was first sent.
    pub mutation_id: Option<MutationId>,
    pub state: OutboxState,
    pub result_status: Option<MutationStatus>,
    pub result_code: Option<ResultCode>,
    pub result_message: Option<String>,
    /// For approve with edits: the patch that turns `ai.output` into `correction`.
    #[cfg_attr(
        feature = "ts",
        ts(type = "Array<{ op: string; path: string; value?: unknown; from?: string }> | null")
    )]
    pub patch: Option<Vec<PatchOperation>>,
    pub rationale: Option<String>,
    pub tags: Vec<String>,
    /// The reviewer's electronic signature over this decision, when it was signed.
    #[serde(default)]
    pub signature: Option<SignatureEnvelope>,
    /// On an item read blind first: the reviewer's own verdict, recorded before the reveal and sent
    /// with this decision (docs/protocol.md, "Blind first read").
    #[serde(default)]
    pub blind_judgement: Option<BlindJudgement>,
}

/// An assignment with its whole item, its latest decision and its draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentDetail {
    #[serde(flatten)]
    pub summary: AssignmentSummary,
    pub item: Item,
    pub decision: Option<RecordedDecision>,
    pub draft: Option<Draft>,
    /// On an item read blind first: the reviewer's own verdict once recorded (it revealed the
    /// proposal); while it is not, `item.ai` comes without output, reasoning, signals and evidence.
    #[serde(default)]
    pub blind_read: Option<BlindJudgement>,
}

/// A decision in progress, autosaved.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Draft {
    pub action: Option<Action>,
    pub correction: Option<Value>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    pub attestation: Option<Value>,
}

/// A decision the server kept only as a late opinion, with both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictRecord {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub item_id: ItemId,
    pub decision_id: DecisionId,
    pub mutation_id: MutationId,
    pub code: ResultCode,
    pub message: String,
    /// The mutation as sent.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub local_version: Value,
    /// The item as last pulled, with the server's verdict.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub server_version: Value,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Whether desktop notifications work, as last checked. On the wire `{"state": "working"}`, or
/// `{"state": "not_working", "reason": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum NotificationStatus {
    #[default]
    NotChecked,
    Working,
    /// Why not, in words a reviewer can act on.
    NotWorking(String),
}

impl std::fmt::Display for NotificationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotificationStatus::NotChecked => f.write_str("not checked yet"),
            NotificationStatus::Working => f.write_str("working"),
            NotificationStatus::NotWorking(reason) => write!(f, "not working: {reason}"),
        }
    }
}

/// The sync bookkeeping row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub client_id: ClientId,
    pub server_url: Option<String>,
    pub cursor: Option<String>,
    pub next_mutation_id: MutationId,
    pub last_acked_mutation_id: MutationId,
    pub last_sync: Option<DateTime<Utc>>,
    pub online: bool,
    pub last_error: Option<String>,
    pub notification_status: NotificationStatus,
}

/// One line of what this reviewer did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub decision_id: DecisionId,
    pub event: HistoryEvent,
    pub action: Action,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one spelling of each name serves serde, `as_str` and `FromStr` alike.
    #[test]
    fn wire_names_round_trip_through_every_reader() {
        fn check<T>(all: &[T], as_str: fn(&T) -> &'static str)
        where
            T: Serialize
                + serde::de::DeserializeOwned
                + std::str::FromStr
                + PartialEq
                + std::fmt::Debug,
            T::Err: std::fmt::Debug,
        {
            for value in all {
                let name = as_str(value);
                assert_eq!(serde_json::to_value(value).ok(), Some(Value::from(name)));
                assert_eq!(
                    serde_json::from_value::<T>(Value::from(name)).ok().as_ref(),
                    Some(value)
                );
                assert_eq!(name.parse::<T>().ok().as_ref(), Some(value));
            }
        }
        check(AssignmentStatus::ALL, |s| s.as_str());
        check(OutboxState::ALL, |s| s.as_str());
        check(HistoryEvent::ALL, |s| s.as_str());
        assert!("lost".parse::<AssignmentStatus>().is_err());
    }
}
