//! Gold items (docs/protocol.md, "Gold items"): items an admin submits with a known answer, served
//! to reviewers among real work, and the reviewers' scored answers. The known answer never reaches a
//! reviewer's client: it is only in [`NewItem::gold`](crate::NewItem) and in the admins' and
//! seniors' reports.

use serde::{Deserialize, Serialize};

use crate::RateEstimate;
use crate::item::Action;

/// The known answer of a gold item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GoldExpected {
    Approve,
    Reject,
}

/// `NewItem.gold`: marks a submission as a gold item (admins only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GoldAnswer {
    /// The right decision: `approve` (approve_with_edits counts as approve) or `reject`.
    pub expected: GoldExpected,
    /// For `reject`: the reason a reviewer should give; recorded beside each answer, not scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// The producer its copies appear to come from; by default the producer that submitted most
    /// items of its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_producer: Option<String>,
}

/// How a reviewer's decision on a gold item scored.
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GoldResult {
    /// The decision matches the known answer.
    Correct,
    /// The opposite decision.
    Incorrect,
    /// Escalated: neither right nor wrong, and not counted in the accuracy.
    Escalated,
}

impl GoldResult {
    /// The one scoring rule: approve and approve_with_edits answer `approve`, reject answers
    /// `reject`, escalate is neither; any other action is not an answer (None).
    pub fn of(expected: GoldExpected, action: Action) -> Option<GoldResult> {
        let given = match action {
            Action::Approve | Action::ApproveWithEdits => GoldExpected::Approve,
            Action::Reject => GoldExpected::Reject,
            Action::Escalate => return Some(GoldResult::Escalated),
            Action::Release | Action::Comment => return None,
        };
        Some(if given == expected {
            GoldResult::Correct
        } else {
            GoldResult::Incorrect
        })
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl GoldExpected {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One reviewer's gold answers on one kind (`GET /v1/stats/gold`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoldAccuracy {
    pub reviewer: String,
    pub kind: String,
    pub team: String,
    /// Correct answers over correct and incorrect ones (escalations left out).
    pub accuracy: RateEstimate,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub correct: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub incorrect: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub escalated: u64,
    /// The team's `min_gold_accuracy`, when its policy sets one.
    pub min_accuracy: Option<f64>,
    /// Below it: high-risk items of this kind skip the reviewer until they recover.
    pub below_minimum: bool,
}

/// The answer of `GET /v1/stats/gold`: per reviewer and kind, by reviewer then kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoldReport {
    pub rows: Vec<GoldAccuracy>,
}

/// The data of a `gold_alert` event: a reviewer's gold accuracy on a kind fell below their team's
/// `min_gold_accuracy`. Sent to the team's seniors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoldAlert {
    pub reviewer: String,
    pub kind: String,
    pub team: String,
    pub accuracy: RateEstimate,
    pub min_accuracy: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_table() {
        use GoldExpected::{Approve, Reject};
        let cases = [
            (Approve, Action::Approve, Some(GoldResult::Correct)),
            (Approve, Action::ApproveWithEdits, Some(GoldResult::Correct)),
            (Approve, Action::Reject, Some(GoldResult::Incorrect)),
            (Reject, Action::Reject, Some(GoldResult::Correct)),
            (Reject, Action::Approve, Some(GoldResult::Incorrect)),
            (
                Reject,
                Action::ApproveWithEdits,
                Some(GoldResult::Incorrect),
            ),
            (Reject, Action::Escalate, Some(GoldResult::Escalated)),
            (Approve, Action::Release, None),
            (Approve, Action::Comment, None),
        ];
        for (expected, action, result) in cases {
            assert_eq!(
                GoldResult::of(expected, action),
                result,
                "{expected:?} {action:?}"
            );
        }
    }

    #[test]
    fn gold_refuses_unknown_keys() {
        let parsed: Result<GoldAnswer, _> =
            serde_json::from_str(r#"{"expected": "approve", "expcted": "reject"}"#);
        assert!(parsed.is_err());
        let parsed: GoldAnswer =
            serde_json::from_str(r#"{"expected": "reject", "reason_code": "fraud"}"#)
                .expect("parses");
        assert_eq!(parsed.expected, GoldExpected::Reject);
        assert_eq!(parsed.as_producer, None);
    }
}
