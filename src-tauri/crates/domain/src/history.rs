//! An item's story (`GET /v1/items/{id}/history`, docs/protocol.md "Item history"): every audit
//! entry about the item, in order, each typed by its [`AuditAction`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{DecisionId, ItemId};

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
    /// A comment on the item (`data.note`, `data.mentions`: the users told).
    Comment,
    /// The holder's lease was renewed near its end (`data.epoch`, `data.expires_at`).
    Renew,
    /// A user set or changed their signing PIN (never about an item).
    SigningPinSet,
    /// A wrong signing PIN (`data.failures`: in a row; never about an item).
    SigningPinWrong,
    /// Wrong PINs locked the user's signing (never about an item).
    SigningLocked,
    /// An admin unlocked a user's signing (never about an item).
    SigningUnlocked,
    /// A device's signing key was registered for the user (never about an item).
    SigningKeyRegistered,
    /// An audit of an auto-approved item (`data.verdict`: `approve`, the AI was right, or `reject`
    /// with `data.reason_code`); the item's outcome is unchanged.
    AuditVerdict,
    /// An admin added a gold item (`data.gold_id`, `data.expected`; never about an item).
    GoldAdded,
    /// A copy of a gold item was made for one reviewer (`data.gold_id`, `data.for`); shown to admins only.
    GoldServed,
    /// A decision on a gold copy was scored (`data.result`); shown to admins only.
    GoldScored,
    /// A reviewer's gold accuracy on a kind fell below, or rose back to, the team's minimum
    /// (`data.reviewer`, `data.kind`, `data.below`; never about an item).
    GoldStanding,
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

/// The most characters a comment's text may have (docs/protocol.md, "Comments").
pub const COMMENT_MAX_CHARS: usize = 4000;

/// The user names a comment mentions: each `@name` (a name's characters: ASCII letters, digits,
/// `.`, `_`, `-`, `@`), without the trailing `.` that ends a sentence, in order, each once.
pub fn mentions(text: &str) -> Vec<String> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + 1..];
        let end = after
            .find(|c: char| !is_name_char(c))
            .unwrap_or(after.len());
        let name = after[..end].trim_end_matches(['.', '@']);
        // `a@b` inside a word (an e-mail address) is not a mention.
        if before.is_none_or(|c| !is_name_char(c))
            && !name.is_empty()
            && name.len() <= 64
            && !names.iter().any(|known| known == name)
        {
            names.push(name.to_owned());
        }
        rest = &after[end..];
    }
    names
}

/// The data of a `mention` event: a comment on an item named the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MentionNotice {
    pub item_id: ItemId,
    /// The item's title, cut to [`MentionNotice::EXCERPT_CHARS`] characters.
    pub title: String,
    /// The item's kind and team, for the reviewer's muted kinds and teams.
    pub kind: String,
    pub team: Option<String>,
    /// Who wrote the comment.
    pub by: String,
    /// The comment's id (its mutation's `decision_id`): one notice per comment.
    pub comment_id: DecisionId,
    /// The comment's text, cut to [`MentionNotice::EXCERPT_CHARS`] characters.
    pub excerpt: String,
}

impl MentionNotice {
    /// A notification shows a line or two; the cut also keeps a PostgreSQL NOTIFY payload small.
    pub const EXCERPT_CHARS: usize = 200;
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn mentions_are_names_after_an_at_sign() {
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("@sara please look", vec!["sara"]),
            (
                "ask @sara. Then @bo_2, then @sara again",
                vec!["sara", "bo_2"],
            ),
            ("mail ana@example.org", vec![]),
            ("(@ana.b-c) and @a@b", vec!["ana.b-c", "a@b"]),
            ("@ @. @", vec![]),
            ("no mention", vec![]),
            ("ünï @ïan", vec![]),
        ];
        for (text, expected) in cases {
            assert_eq!(mentions(text), expected, "{text}");
        }
    }

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
