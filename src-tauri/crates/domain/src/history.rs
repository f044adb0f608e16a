//! An item's story (`GET /v1/items/{id}/history`, docs/protocol.md "Item history"): every audit
//! entry about the item, in order, each typed by its [`AuditAction`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ItemId;

/// The `action` of an audit entry (docs/protocol.md, "Audit log"); the queue writes these names and
/// the history carries them. An action this build does not know decodes as `Unknown`.
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditAction {
    /// A producer submitted the item.
    Submit,
    /// The policy routed it (`data.rule` names the rule).
    Route,
    /// A lease was granted to the actor.
    Assign,
    /// A decision: final (`data.outcome`) or a first approval (`data.awaiting`).
    Decide,
    /// Escalated to the seniors, by a reviewer or by a missed deadline.
    Escalate,
    /// The deadline passed while the item was already with seniors.
    DeadlineMissed,
    /// The holder gave the item back (`data.note`: the hand-off note).
    Release,
    /// A late opinion: a decision under a lease that was no longer current.
    Conflict,
    /// A mutation the rules refused (`data.code`).
    MutationRejected,
    /// The producer withdrew the item.
    Cancel,
    /// The lease was taken back (`data.reason`).
    Reclaim,
    /// A webhook was queued for the outcome.
    WebhookQueued,
    /// A webhook attempt was answered with a success.
    WebhookDelivered,
    /// A webhook attempt failed.
    WebhookFailed,
    /// A kind was registered (never about an item).
    KindRegistered,
    /// An admin changed a user (never about an item).
    UserChanged,
    /// A token was issued (never about an item).
    TokenIssued,
    /// A comment on the item (`data.text`, `data.mentions`).
    Comment,
    /// An action this build does not know.
    #[serde(other)]
    Unknown,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The action named `name`, or `Unknown`.
    pub fn parse(name: &str) -> AuditAction {
        name.parse().unwrap_or(AuditAction::Unknown)
    }
}

/// One audit entry about an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    /// The entry's place in the audit chain.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: DateTime<Utc>,
    /// A user's name, or the system part that acted (`policy`, `sweeper`, `system:deadline`, …).
    pub actor: String,
    pub action: AuditAction,
    /// The entry's data as in the audit log.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub data: Value,
}

/// The answer of `GET /v1/items/{id}/history`: every entry about the item, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemHistory {
    pub item_id: ItemId,
    pub entries: Vec<HistoryEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn wire_names_agree_and_unknown_actions_decode() {
        for &action in AuditAction::VARIANTS {
            let wire = serde_json::to_value(action).expect("serializes");
            assert_eq!(wire, Value::String(action.as_str().to_owned()));
            assert_eq!(AuditAction::parse(action.as_str()), action);
        }
        assert_eq!(AuditAction::parse("signed_twice"), AuditAction::Unknown);
        let decoded: AuditAction = serde_json::from_str("\"signed_twice\"").expect("decodes");
        assert_eq!(decoded, AuditAction::Unknown);
    }
}
