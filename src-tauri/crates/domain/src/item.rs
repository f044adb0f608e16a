//! Items as producers submit them and as the queue returns them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blind::BlindJudgement;
use crate::correction::PatchOperation;
use crate::ids::ItemId;
use crate::signature::{SignatureManifest, SignatureRequirement};

/// How risky the AI judged the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

/// Where routing sent an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Route {
    AutoApproved,
    Review,
    Escalation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ItemStatus {
    AutoApproved,
    Pending,
    Decided,
    Cancelled,
}

/// The final outcome of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Outcome {
    Approved,
    ApprovedWithEdits,
    Rejected,
}

/// What a reviewer can do with an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Action {
    Approve,
    ApproveWithEdits,
    Reject,
    Escalate,
    Release,
    /// Not a decision: a comment on the item, its text in the mutation's `note`
    /// (docs/protocol.md, "Comments"). It changes neither the item nor its lease.
    Comment,
}

/// One named input to the AI's judgement, e.g. `velocity_24h`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signal {
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub weight: Option<f64>,
}

/// A piece of evidence the AI cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Evidence {
    pub label: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub source: Option<String>,
}

/// The AI's proposal: its output plus what it says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AiProposal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub model: Option<String>,
    /// Any JSON: a string for text drafts, an object for structured proposals.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub output: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reasoning: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 1.0))]
    pub confidence: f64,
    pub risk: Risk,
    #[serde(default)]
    pub signals: Vec<Signal>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

pub const DEFAULT_PRIORITY: u8 = 50;
pub const MAX_PRIORITY: u8 = 100;

/// What a producer submits (`POST /v1/items`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewItem {
    /// Unique per producer: resubmitting returns the existing item.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub external_id: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub title: String,
    /// Kind-specific object shown to the reviewer.
    #[serde(default = "empty_object")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
    pub ai: AiProposal,
    /// 0..=100; 50 when omitted.
    #[serde(default = "default_priority")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100, value_type = i64))]
    pub priority: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Makes the submission a gold item with this known answer (admins only; docs/protocol.md,
    /// "Gold items"). Never part of an `Item`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gold: Option<crate::gold::GoldAnswer>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn default_priority() -> i64 {
    i64::from(DEFAULT_PRIORITY)
}

/// Why a submission was refused; each maps to one 422 error code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ItemValidationError {
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    #[error("ai.confidence must be a number between 0 and 1, got {0}")]
    Confidence(f64),
    #[error("priority must be between 0 and 100, got {0}")]
    Priority(i64),
    #[error("callback_url must be an http or https URL")]
    CallbackUrl,
    #[error("payload must be a JSON object")]
    Payload,
    #[error("ai.output must not be null: it is the proposal a person reviews")]
    MissingOutput,
}

const MAX_SHORT_TEXT: usize = 500;

impl NewItem {
    /// Checks what serde cannot: ranges, emptiness, URL scheme.
    pub fn validate(&self) -> Result<(), ItemValidationError> {
        for (field, value) in [
            ("external_id", &self.external_id),
            ("kind", &self.kind),
            ("title", &self.title),
        ] {
            if value.trim().is_empty() {
                return Err(ItemValidationError::Empty(field));
            }
            if value.chars().count() > MAX_SHORT_TEXT {
                return Err(ItemValidationError::TooLong(field, MAX_SHORT_TEXT));
            }
        }
        if !self.payload.is_object() {
            return Err(ItemValidationError::Payload);
        }
        if self.ai.output.is_null() {
            return Err(ItemValidationError::MissingOutput);
        }
        let confidence = self.ai.confidence;
        if !(0.0..=1.0).contains(&confidence) {
            return Err(ItemValidationError::Confidence(confidence));
        }
        if !(0..=i64::from(MAX_PRIORITY)).contains(&self.priority) {
            return Err(ItemValidationError::Priority(self.priority));
        }
        if let Some(url) = &self.callback_url {
            let lower = url.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            if rest.is_none_or(|host| host.is_empty() || host.starts_with('/')) {
                return Err(ItemValidationError::CallbackUrl);
            }
        }
        Ok(())
    }
}

/// One applied approve, approve_with_edits, reject or escalate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DecisionRecord {
    pub by: String,
    pub action: Action,
    /// Same JSON type as `ai.output`; present for approve_with_edits.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub correction: Option<Value>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
    /// For approve_with_edits: the RFC 6902 patch that turns `ai.output` into `correction`.
    #[serde(default)]
    #[cfg_attr(
        feature = "ts",
        ts(type = "Array<{ op: string; path: string; value?: unknown; from?: string }> | null")
    )]
    pub patch: Option<Vec<PatchOperation>>,
    /// Why the reviewer decided so, in their words.
    #[serde(default)]
    pub rationale: Option<String>,
    /// The decision's labels.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The signature manifest of a signed decision (docs/protocol.md, "Signatures"); null: unsigned.
    #[serde(default)]
    pub signature: Option<SignatureManifest>,
    /// On an item read blind first: the reviewer's own verdict, recorded before the AI's proposal
    /// was shown (docs/protocol.md, "Blind first read"); null otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub blind_judgement: Option<BlindJudgement>,
}

/// An item as the queue returns it everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Item {
    pub id: ItemId,
    pub producer: String,
    pub created_at: DateTime<Utc>,
    pub external_id: String,
    pub kind: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub payload: Value,
    pub ai: AiProposal,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub priority: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub callback_url: Option<String>,
    pub route: Route,
    /// The name of the policy rule that chose the route.
    pub routing_rule: String,
    /// 1, or 2 for four-eyes review by two different people.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub approvals_required: i64,
    pub status: ItemStatus,
    pub outcome: Option<Outcome>,
    pub decisions: Vec<DecisionRecord>,
    /// The team whose members are offered the item (its routing rule's `team`); null: everyone.
    #[serde(default)]
    pub team: Option<String>,
    /// When the holder should be warned that `due_at` is near (the rule's `warn_before`).
    #[serde(default)]
    pub warn_at: Option<DateTime<Utc>>,
    /// The note the last holder left when they released the item (at the end of a shift, say).
    #[serde(default)]
    pub handoff: Option<Handoff>,
    /// Approvals of this item must be signed (its routing rule's `signature`, docs/protocol.md
    /// "Signatures"); null: no signature needed.
    #[serde(default)]
    pub signature_required: Option<SignatureRequirement>,
    /// The reviewer gives their own verdict before the AI's proposal is shown (its routing rule's
    /// `blind`, docs/protocol.md "Blind first read"); whether an assignment is read blind is
    /// [`crate::blind_first`].
    #[serde(default)]
    pub blind: bool,
}

/// A note for the next holder, left by a release (`Mutation.note` on a `release`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Handoff {
    pub by: String,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn submission() -> Value {
        json!({
            "external_id": "txn-1", "kind": "transaction", "title": "Card payment",
            "ai": {"output": {"verdict": "fraud"}, "confidence": 0.62, "risk": "high"}
        })
    }

    #[test]
    fn optional_fields_take_their_defaults() {
        let item: NewItem = serde_json::from_value(submission()).expect("valid submission");
        assert_eq!(item.priority, 50);
        assert_eq!(item.payload, json!({}));
        assert!(item.ai.signals.is_empty());
        assert_eq!(item.validate(), Ok(()));
    }

    #[test]
    fn unknown_risk_does_not_parse() {
        let mut raw = submission();
        raw["ai"]["risk"] = json!("extreme");
        assert!(serde_json::from_value::<NewItem>(raw).is_err());
    }

    #[test]
    fn validation_table() {
        let cases: Vec<(&str, Value, Option<ItemValidationError>)> = vec![
            ("/kind", json!(""), Some(ItemValidationError::Empty("kind"))),
            (
                "/title",
                json!("  "),
                Some(ItemValidationError::Empty("title")),
            ),
            (
                "/ai/confidence",
                json!(1.5),
                Some(ItemValidationError::Confidence(1.5)),
            ),
            (
                "/ai/confidence",
                json!(-0.1),
                Some(ItemValidationError::Confidence(-0.1)),
            ),
            ("/ai/confidence", json!(1.0), None),
            (
                "/priority",
                json!(101),
                Some(ItemValidationError::Priority(101)),
            ),
            (
                "/priority",
                json!(-1),
                Some(ItemValidationError::Priority(-1)),
            ),
            ("/priority", json!(100), None),
            (
                "/callback_url",
                json!("ftp://x"),
                Some(ItemValidationError::CallbackUrl),
            ),
            ("/callback_url", json!("http://127.0.0.1:9/hook"), None),
            ("/payload", json!([1]), Some(ItemValidationError::Payload)),
            (
                "/ai/output",
                json!(null),
                Some(ItemValidationError::MissingOutput),
            ),
        ];
        for (pointer, value, expected) in cases {
            let mut raw = submission();
            let (parent, field) = pointer.rsplit_once('/').expect("pointer");
            let target = if parent.is_empty() {
                &mut raw
            } else {
                raw.pointer_mut(parent).expect("parent")
            };
            target[field] = value.clone();
            let item: NewItem = serde_json::from_value(raw).expect("parses");
            assert_eq!(item.validate().err(), expected, "{pointer} = {value}");
        }
    }
}

/// `name:value`: the field the kinds' identifiers call `name` (`merchant`) holds `value`. A search
/// filter in the desktop, and an identifying value two related items share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldFilter {
    pub name: String,
    pub value: String,
}

/// An item related to another (`GET /v1/items/{id}/related`, docs/protocol.md "Related items").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RelatedItem {
    pub id: ItemId,
    pub kind: String,
    pub title: String,
    pub status: ItemStatus,
    /// Once the item is no longer pending: its last decision's action and time.
    pub outcome: Option<Action>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub decided_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: DateTime<Utc>,
    /// The identifying values it shares with the item asked about.
    pub shared: Vec<FieldFilter>,
}

/// The answer of `GET /v1/items/{id}/related`: newest first, at most [`RELATED_LIMIT`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RelatedItems {
    pub items: Vec<RelatedItem>,
}

/// The most related items one answer holds (docs/protocol.md "Related items").
pub const RELATED_LIMIT: usize = 50;
