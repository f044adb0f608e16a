//! Blind first read (docs/protocol.md, "Blind first read"): on a blind assignment the reviewer records
//! their own verdict before the AI's proposal is shown, then decides. Written once here: which
//! assignments are blind ([`blind_first`]), the judgement and its checks ([`BlindJudgement`],
//! [`check_judgement`]), and what agreement and a switch are ([`BlindVerdict::agrees_with_ai`],
//! [`after_reveal`]); the queue's rule book, its report and the desktop core all use these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::ResultCode;
use crate::estimate::RateEstimate;
use crate::item::{Action, Item};
use crate::sync::Stage;

/// The most characters a blind judgement's note may have.
pub const BLIND_NOTE_MAX_CHARS: usize = 4_000;

/// The confidence scale of a blind judgement: 1 (a guess) to 5 (certain).
pub const BLIND_CONFIDENCE: std::ops::RangeInclusive<u8> = 1..=5;

/// The one rule of whether the holder of `stage` must give their own read of `item` before they
/// see the AI's proposal.
pub fn blind_first(item: &Item, stage: Stage) -> bool {
    // An audit measures the AI's auto-approval: the auditor must not anchor on the answer it judges.
    item.blind || stage == Stage::Audit
}

/// The reviewer's own verdict before the reveal. The AI's answer is its proposal as it stands, so
/// `approve` agrees with the AI and `reject` disagrees.
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
pub enum BlindVerdict {
    Approve,
    Reject,
}

impl BlindVerdict {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Agreement before the reveal: the reviewer would accept the AI's proposal as it is.
    pub fn agrees_with_ai(self) -> bool {
        self == BlindVerdict::Approve
    }
}

/// What a reviewer recorded before the reveal; sent with the decision (`Mutation.blind_judgement`)
/// and kept with it (`DecisionRecord.blind_judgement`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlindJudgement {
    pub verdict: BlindVerdict,
    /// 1 (a guess) to 5 (certain).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub confidence: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
    /// When the reviewer recorded it: before the decision it goes with.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub recorded_at: DateTime<Utc>,
}

/// Why a decision's blind judgement is refused; each maps to one [`ResultCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlindJudgementError {
    #[error(
        "this item is read blind first: the decision needs the reviewer's own verdict (blind_judgement), recorded before the AI's proposal was shown"
    )]
    Required,
    #[error("a blind judgement's confidence is 1 to 5, got {0}")]
    Confidence(u8),
    #[error("a blind judgement's note has at most {BLIND_NOTE_MAX_CHARS} characters")]
    NoteTooLong,
    #[error("the blind judgement was recorded after the decision it goes with")]
    RecordedAfterDecision,
    #[error("a blind judgement goes only with a decision on an item read blind first")]
    Unexpected,
}

impl BlindJudgementError {
    pub fn result_code(&self) -> ResultCode {
        match self {
            BlindJudgementError::Required => ResultCode::BlindJudgementRequired,
            _ => ResultCode::InvalidBlindJudgement,
        }
    }
}

impl BlindJudgement {
    /// Checks what serde cannot: the confidence scale and the note's length.
    pub fn validate(&self) -> Result<(), BlindJudgementError> {
        if !BLIND_CONFIDENCE.contains(&self.confidence) {
            return Err(BlindJudgementError::Confidence(self.confidence));
        }
        if self
            .note
            .as_deref()
            .is_some_and(|note| note.chars().count() > BLIND_NOTE_MAX_CHARS)
        {
            return Err(BlindJudgementError::NoteTooLong);
        }
        Ok(())
    }
}

/// Whether `action` is a decision that carries a blind judgement on a blind assignment: every
/// action recorded in `decisions[]` (approve, approve_with_edits, reject, escalate); a release
/// or a comment carries none.
pub fn needs_judgement(action: Action) -> bool {
    !matches!(action, Action::Release | Action::Comment)
}

/// The one check of a decision's blind judgement, by the queue (push) and the desktop core (before
/// recording): required on a blind assignment's decisions, valid, recorded no later than the
/// decision (`decided_at`, when known), and absent everywhere else.
pub fn check_judgement(
    blind: bool,
    action: Action,
    judgement: Option<&BlindJudgement>,
    decided_at: Option<DateTime<Utc>>,
) -> Result<(), BlindJudgementError> {
    match judgement {
        None if blind && needs_judgement(action) => Err(BlindJudgementError::Required),
        None => Ok(()),
        Some(_) if !(blind && needs_judgement(action)) => Err(BlindJudgementError::Unexpected),
        Some(judgement) => {
            judgement.validate()?;
            if decided_at.is_some_and(|decided| judgement.recorded_at > decided) {
                return Err(BlindJudgementError::RecordedAfterDecision);
            }
            Ok(())
        }
    }
}

/// What the decision made after the reveal did with the blind verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterReveal {
    /// The decision kept the blind verdict's side: approve then approve or approve_with_edits,
    /// reject then reject or approve_with_edits (the objection survived as a correction).
    Kept,
    /// Blind reject, final approve: the reviewer moved to the AI's answer after seeing it.
    SwitchedToAi,
    /// Blind approve, final reject: the reviewer turned against the AI's answer after seeing it.
    SwitchedFromAi,
    /// Escalated: neither kept nor switched; no final answer was given.
    Escalated,
}

/// The blind verdict against the decision made after the reveal; None for what is not a decision.
pub fn after_reveal(verdict: BlindVerdict, action: Action) -> Option<AfterReveal> {
    Some(match (verdict, action) {
        (BlindVerdict::Reject, Action::Approve) => AfterReveal::SwitchedToAi,
        (BlindVerdict::Approve, Action::Reject) => AfterReveal::SwitchedFromAi,
        (_, Action::Escalate) => AfterReveal::Escalated,
        (_, Action::Approve | Action::ApproveWithEdits | Action::Reject) => AfterReveal::Kept,
        (_, Action::Release | Action::Comment) => return None,
    })
}

/// The blind-read report (`GET /v1/stats/blind`, docs/protocol.md "Blind first read"): one row per
/// reviewer, kind and model, sorted by those.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlindReport {
    pub rows: Vec<BlindReportRow>,
}

/// How one reviewer read one kind of one model's proposals blind, and what they did after the reveal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BlindReportRow {
    pub reviewer: String,
    pub kind: String,
    /// The AI's `model`, when the producer named it.
    pub model: Option<String>,
    /// Decisions made after a blind read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub judgements: u64,
    /// Agreement before the reveal: blind verdicts `approve` over all blind verdicts.
    pub agreement: RateEstimate,
    /// Switches to the AI: blind `reject` then a final `approve`, over the blind rejections that
    /// ended in a decision (approve, approve_with_edits or reject; escalations are left out).
    pub switch_to_ai: RateEstimate,
    /// The reverse: blind `approve` then a final `reject`, over the blind approvals that ended in a
    /// decision.
    pub switch_from_ai: RateEstimate,
    /// Blind reads that ended in an escalation: neither kept nor switched.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub escalated: u64,
}

/// Counts of blind reads and what followed them, for one report row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlindTally {
    pub judgements: u64,
    pub blind_approvals: u64,
    /// Blind rejections that ended in a decision, and how many of those switched to the AI.
    pub rejections_decided: u64,
    pub switched_to_ai: u64,
    /// Blind approvals that ended in a decision, and how many of those switched away from the AI.
    pub approvals_decided: u64,
    pub switched_from_ai: u64,
    pub escalated: u64,
}

impl BlindTally {
    /// Counts one decision (`action`) made after a blind `verdict`; anything else is ignored.
    pub fn add(&mut self, verdict: BlindVerdict, action: Action) {
        let Some(after) = after_reveal(verdict, action) else {
            return;
        };
        self.judgements += 1;
        if verdict.agrees_with_ai() {
            self.blind_approvals += 1;
        }
        match after {
            AfterReveal::Escalated => self.escalated += 1,
            AfterReveal::Kept | AfterReveal::SwitchedToAi | AfterReveal::SwitchedFromAi => {
                match verdict {
                    BlindVerdict::Approve => self.approvals_decided += 1,
                    BlindVerdict::Reject => self.rejections_decided += 1,
                }
                match after {
                    AfterReveal::SwitchedToAi => self.switched_to_ai += 1,
                    AfterReveal::SwitchedFromAi => self.switched_from_ai += 1,
                    _ => {}
                }
            }
        }
    }

    /// The report row of these counts, every rate a [`RateEstimate`].
    pub fn row(&self, reviewer: String, kind: String, model: Option<String>) -> BlindReportRow {
        BlindReportRow {
            reviewer,
            kind,
            model,
            judgements: self.judgements,
            agreement: RateEstimate::of(self.blind_approvals, self.judgements),
            switch_to_ai: RateEstimate::of(self.switched_to_ai, self.rejections_decided),
            switch_from_ai: RateEstimate::of(self.switched_from_ai, self.approvals_decided),
            escalated: self.escalated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgement(verdict: BlindVerdict, confidence: u8) -> BlindJudgement {
        BlindJudgement {
            verdict,
            confidence,
            note: None,
            recorded_at: "2026-11-30T09:00:00Z".parse().expect("a time"),
        }
    }

    #[test]
    fn switches_and_agreement_are_defined_once() {
        use AfterReveal::*;
        use BlindVerdict::{Approve, Reject};
        let cases = [
            (Reject, Action::Approve, Some(SwitchedToAi)),
            (Reject, Action::ApproveWithEdits, Some(Kept)),
            (Reject, Action::Reject, Some(Kept)),
            (Reject, Action::Escalate, Some(Escalated)),
            (Approve, Action::Approve, Some(Kept)),
            (Approve, Action::ApproveWithEdits, Some(Kept)),
            (Approve, Action::Reject, Some(SwitchedFromAi)),
            (Approve, Action::Escalate, Some(Escalated)),
            (Approve, Action::Release, None),
            (Reject, Action::Comment, None),
        ];
        for (verdict, action, expected) in cases {
            assert_eq!(
                after_reveal(verdict, action),
                expected,
                "{verdict:?} {action:?}"
            );
        }
        assert!(Approve.agrees_with_ai());
        assert!(!Reject.agrees_with_ai());
    }

    #[test]
    fn a_blind_decision_needs_a_valid_judgement_recorded_before_it() {
        let good = judgement(BlindVerdict::Reject, 4);
        let at = good.recorded_at;
        let later = at + chrono::Duration::seconds(30);
        let earlier = at - chrono::Duration::seconds(30);
        let long_note = BlindJudgement {
            note: Some("x".repeat(BLIND_NOTE_MAX_CHARS + 1)),
            ..good.clone()
        };
        use BlindJudgementError::*;
        type Case<'a> = (
            bool,
            Action,
            Option<&'a BlindJudgement>,
            Option<DateTime<Utc>>,
            Result<(), BlindJudgementError>,
        );
        let cases: Vec<Case> = vec![
            (true, Action::Approve, Some(&good), Some(later), Ok(())),
            (true, Action::Approve, Some(&good), None, Ok(())),
            (true, Action::Escalate, Some(&good), Some(at), Ok(())),
            (true, Action::Approve, None, Some(later), Err(Required)),
            (true, Action::Reject, None, None, Err(Required)),
            (true, Action::Release, None, None, Ok(())),
            (true, Action::Comment, None, None, Ok(())),
            (true, Action::Release, Some(&good), None, Err(Unexpected)),
            (false, Action::Approve, None, None, Ok(())),
            (false, Action::Approve, Some(&good), None, Err(Unexpected)),
            (
                true,
                Action::Approve,
                Some(&good),
                Some(earlier),
                Err(RecordedAfterDecision),
            ),
            (
                true,
                Action::Approve,
                Some(&long_note),
                None,
                Err(NoteTooLong),
            ),
        ];
        for (blind, action, judgement, decided_at, expected) in cases {
            assert_eq!(
                check_judgement(blind, action, judgement, decided_at),
                expected,
                "{blind} {action:?} {judgement:?} {decided_at:?}"
            );
        }
        for confidence in [0, 6, 255] {
            let bad = judgement(BlindVerdict::Approve, confidence);
            assert_eq!(
                check_judgement(true, Action::Approve, Some(&bad), None),
                Err(Confidence(confidence))
            );
        }
        for confidence in BLIND_CONFIDENCE {
            assert_eq!(
                judgement(BlindVerdict::Approve, confidence).validate(),
                Ok(())
            );
        }
        assert_eq!(Required.result_code(), ResultCode::BlindJudgementRequired);
        assert_eq!(NoteTooLong.result_code(), ResultCode::InvalidBlindJudgement);
    }

    #[test]
    fn an_item_is_read_blind_first_when_its_rule_says_so() {
        let mut item: Item = serde_json::from_value(serde_json::json!({
            "id": "0192c5a0-0000-7000-8000-000000000001", "producer": "p",
            "created_at": "2026-11-30T00:00:00Z", "external_id": "x", "kind": "clinical_suggestion",
            "title": "Dose", "payload": {}, "ai": {"output": {"dose_mg": 5}, "confidence": 0.7, "risk": "medium"},
            "priority": 50, "due_at": null, "callback_url": null, "route": "review",
            "routing_rule": "r", "approvals_required": 1, "status": "pending", "outcome": null,
            "decisions": []
        }))
        .expect("an item from an older queue, without `blind`");
        assert!(!item.blind);
        item.blind = true;
        for &stage in <Stage as strum::VariantArray>::VARIANTS {
            assert!(blind_first(&item, stage), "{stage:?}");
        }
    }

    #[test]
    fn a_tally_counts_agreement_and_switches_over_their_own_denominators() {
        use BlindVerdict::{Approve, Reject};
        let mut tally = BlindTally::default();
        for (verdict, action, times) in [
            (Reject, Action::Approve, 12),
            (Reject, Action::Reject, 20),
            (Reject, Action::ApproveWithEdits, 3),
            (Reject, Action::Escalate, 5),
            (Approve, Action::Approve, 28),
            (Approve, Action::Reject, 2),
            (Approve, Action::Release, 9),
        ] {
            for _ in 0..times {
                tally.add(verdict, action);
            }
        }
        let row = tally.row("ana".into(), "clinical_suggestion".into(), None);
        assert_eq!(row.judgements, 70);
        assert_eq!(row.escalated, 5);
        assert_eq!(row.agreement, RateEstimate::of(30, 70));
        assert_eq!(row.switch_to_ai, RateEstimate::of(12, 35));
        assert_eq!(row.switch_from_ai, RateEstimate::of(2, 30));
        let few = BlindTally::default().row("bo".into(), "k".into(), None);
        assert!(matches!(
            few.agreement,
            RateEstimate::NotEnoughData { trials: 0, .. }
        ));
    }

    #[test]
    fn the_wire_shape() {
        let json = serde_json::json!({
            "verdict": "reject", "confidence": 4, "recorded_at": "2026-11-30T09:00:00Z"
        });
        let parsed: BlindJudgement = serde_json::from_value(json).expect("parses");
        assert_eq!(parsed, judgement(BlindVerdict::Reject, 4));
        let bad = serde_json::json!({
            "verdict": "maybe", "confidence": 4, "recorded_at": "2026-11-30T09:00:00Z"
        });
        assert!(serde_json::from_value::<BlindJudgement>(bad).is_err());
    }
}
