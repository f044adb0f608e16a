//! The rule book for one mutation, pure: [`judge`] decides whether a mutation applies, conflicts or
//! is rejected, and [`transition`] applies an accepted one to the item in memory. The case table
//! below is the specification; `push` is the I/O around it.

use chrono::{DateTime, Utc};
use countersign_domain::COMMENT_MAX_CHARS;
use countersign_domain::correction;
use countersign_domain::{
    Action, DecisionRecord, Handoff, ItemStatus, Mutation, Outcome, RemovalReason, ResultCode,
    SignatureManifest, Stage,
};
use countersign_domain::{blind_first, check_judgement};
use serde_json::Value;

use crate::audience::Audience;
use crate::items::ItemRow;
use crate::kinds::CompiledKind;

const MAX_NOTE_CHARS: usize = 20_000;
const MAX_CODE_CHARS: usize = 200;

/// The lease a mutation claims to act under, as granted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeaseGrant {
    pub item_id: String,
    pub holder: String,
    pub epoch: i64,
    pub stage: Stage,
}

/// What the rules need to know about the item now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemState {
    pub status: ItemStatus,
    pub stage: Option<Stage>,
    pub epoch: i64,
    pub approvals_required: i64,
    pub first_approver: Option<String>,
    pub first_action: Option<Action>,
    pub output: Value,
    /// When the item was decided by timeout: the `due_at` the timeout enforced.
    pub timed_out: Option<DateTime<Utc>>,
    /// The claimed lease's stage is read blind first ([`blind_first`]): its decisions carry the
    /// reviewer's blind judgement.
    pub blind_first: bool,
}

/// What applying a mutation does to its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    Final(Outcome),
    AwaitSecondApproval,
    Escalate,
    Release,
    /// A comment: the item and its lease stay as they are.
    Comment,
    /// An audit's verdict on an auto-approval: recorded beside the item, whose outcome stays.
    Audit,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Apply(Transition),
    Conflict(RemovalReason, String),
    Rejected(ResultCode, String),
}

fn too_long(text: Option<&str>, limit: usize) -> bool {
    text.is_some_and(|text| text.chars().count() > limit)
}

/// The rule book for one mutation. Validity is checked before conflicts: an invalid mutation is
/// `Rejected` whatever happened to the item meanwhile. `kind` is the item's registered kind, if
/// any: its reason codes and output schema bind rejects and corrections.
pub(crate) fn judge(
    caller: &str,
    mutation: &Mutation,
    lease: Option<&LeaseGrant>,
    item: Option<&ItemState>,
    kind: Option<&CompiledKind>,
) -> Verdict {
    let item_id = mutation.item_id.to_string();
    let (Some(lease), Some(item)) = (lease, item) else {
        return Verdict::Rejected(
            ResultCode::Forbidden,
            format!(
                "lease {} was never granted to you for item {item_id}",
                mutation.lease_id
            ),
        );
    };
    if lease.item_id != item_id || lease.holder != caller {
        return Verdict::Rejected(
            ResultCode::Forbidden,
            format!(
                "lease {} was never granted to you for item {item_id}",
                mutation.lease_id
            ),
        );
    }
    if mutation.lease_epoch.0 != lease.epoch as u64 {
        return Verdict::Rejected(
            ResultCode::InvalidMutation,
            format!(
                "lease {} has epoch {}, not {}",
                mutation.lease_id, lease.epoch, mutation.lease_epoch
            ),
        );
    }
    if too_long(mutation.note.as_deref(), MAX_NOTE_CHARS) {
        return Verdict::Rejected(
            ResultCode::InvalidMutation,
            format!("a note has at most {MAX_NOTE_CHARS} characters"),
        );
    }
    if too_long(mutation.reason_code.as_deref(), MAX_CODE_CHARS) {
        return Verdict::Rejected(
            ResultCode::InvalidMutation,
            format!("a reason code has at most {MAX_CODE_CHARS} characters"),
        );
    }
    if let Err(error) = correction::check_annotations(mutation.rationale.as_deref(), &mutation.tags)
    {
        return Verdict::Rejected(error.result_code(), error.to_string());
    }
    if let Err(error) = check_judgement(
        item.blind_first,
        mutation.action,
        mutation.blind_judgement.as_ref(),
        mutation.client_time,
    ) {
        return Verdict::Rejected(error.result_code(), error.to_string());
    }
    let corrected = match correction::corrected_output(
        mutation.action,
        &item.output,
        mutation.correction.as_ref(),
        mutation.patch.as_deref(),
    ) {
        Ok(corrected) => corrected,
        Err(error) => return Verdict::Rejected(error.result_code(), error.to_string()),
    };
    if let (Some(kind), Some(corrected)) = (kind, &corrected)
        && let Err(violation) = kind.check_output(&corrected.output)
    {
        return Verdict::Rejected(
            ResultCode::InvalidCorrection,
            format!(
                "the correction does not satisfy kind {:?}'s output schema: {violation}",
                kind.kind
            ),
        );
    }
    match mutation.action {
        Action::Reject => {
            if mutation
                .reason_code
                .as_deref()
                .is_none_or(|code| code.trim().is_empty())
            {
                return Verdict::Rejected(
                    ResultCode::InvalidMutation,
                    "reject needs a reason_code".into(),
                );
            }
            if let (Some(kind), Some(code)) = (kind, mutation.reason_code.as_deref())
                && !kind.allows_reason(code)
            {
                return Verdict::Rejected(
                    ResultCode::UnknownReasonCode,
                    format!(
                        "reason code {code:?} is not one of kind {:?}'s: {}",
                        kind.kind,
                        kind.reason_list()
                    ),
                );
            }
        }
        Action::Approve
        | Action::ApproveWithEdits
        | Action::Escalate
        | Action::Release
        | Action::Comment => {}
    }
    if let Some(why) = lease.stage.refusal(mutation.action) {
        return Verdict::Rejected(ResultCode::InvalidMutation, why.into());
    }
    let decides = matches!(
        mutation.action,
        Action::Approve | Action::ApproveWithEdits | Action::Reject
    );
    if decides
        && item.stage == Some(Stage::SecondApproval)
        && item.first_approver.as_deref() == Some(caller)
    {
        return Verdict::Rejected(
            ResultCode::SameApprover,
            "the second approval must come from someone other than the first approver".into(),
        );
    }

    let mut supersedes_timeout = false;
    match item.status {
        ItemStatus::Cancelled => {
            return Verdict::Conflict(
                RemovalReason::Cancelled,
                "the producer withdrew the item".into(),
            );
        }
        ItemStatus::Decided if item.timed_out.is_some() => {
            // A decision made before the deadline, under the lease that was current when the
            // timeout fired, is the person's and stands (docs/protocol.md, "Deadlines").
            let made_in_time = mutation
                .client_time
                .zip(item.timed_out)
                .is_some_and(|(made, due)| made < due);
            let final_decision =
                decides && (lease.stage == Stage::SecondApproval || item.approvals_required < 2);
            if !(made_in_time && final_decision && item.epoch == lease.epoch) {
                return Verdict::Conflict(
                    RemovalReason::TimedOut,
                    "the deadline passed before this decision was made; the item was rejected by timeout"
                        .into(),
                );
            }
            supersedes_timeout = true;
        }
        // The audit of an auto-approval: open while the item is in the audit stage.
        ItemStatus::AutoApproved
            if lease.stage == Stage::Audit && item.stage == Some(Stage::Audit) => {}
        ItemStatus::Decided | ItemStatus::AutoApproved => {
            return Verdict::Conflict(
                RemovalReason::DecidedElsewhere,
                "the item was decided elsewhere".into(),
            );
        }
        ItemStatus::Pending => {}
    }
    if !supersedes_timeout && (item.epoch != lease.epoch || item.stage != Some(lease.stage)) {
        return Verdict::Conflict(
            RemovalReason::Reassigned,
            format!(
                "the item was reassigned (lease epoch {} is no longer current)",
                lease.epoch
            ),
        );
    }

    let edited = mutation.action == Action::ApproveWithEdits;
    if lease.stage == Stage::Audit && decides {
        return Verdict::Apply(Transition::Audit);
    }
    Verdict::Apply(match mutation.action {
        Action::Reject => Transition::Final(Outcome::Rejected),
        Action::Approve | Action::ApproveWithEdits => {
            if lease.stage == Stage::SecondApproval {
                let first_edited = item.first_action == Some(Action::ApproveWithEdits);
                Transition::Final(if first_edited {
                    Outcome::ApprovedWithEdits
                } else {
                    Outcome::Approved
                })
            } else if item.approvals_required >= 2 {
                Transition::AwaitSecondApproval
            } else if edited {
                Transition::Final(Outcome::ApprovedWithEdits)
            } else {
                Transition::Final(Outcome::Approved)
            }
        }
        Action::Escalate => Transition::Escalate,
        Action::Release => Transition::Release,
        Action::Comment => Transition::Comment,
    })
}

/// The rule book for a comment (`push` judges comments here, not by [`judge`]): not fenced by
/// the lease, since it changes nothing; `may_ask` says whether the author may read the item's
/// history (false too for an unknown item). A text is required and at most
/// [`COMMENT_MAX_CHARS`] characters.
pub(crate) fn judge_comment(
    mutation: &Mutation,
    may_ask: bool,
) -> Result<(), (ResultCode, String)> {
    let text = mutation.note.as_deref().unwrap_or_default();
    if text.trim().is_empty() {
        return Err((
            ResultCode::InvalidMutation,
            "a comment needs its text in note".into(),
        ));
    }
    if too_long(Some(text), COMMENT_MAX_CHARS) {
        return Err((
            ResultCode::CommentTooLong,
            format!("a comment has at most {COMMENT_MAX_CHARS} characters"),
        ));
    }
    if !may_ask {
        return Err((
            ResultCode::Forbidden,
            format!(
                "item {} is not one you hold, held or oversee; you cannot comment on it",
                mutation.item_id
            ),
        ));
    }
    Ok(())
}

impl ItemState {
    /// What the rules need to know about `row` now, for a mutation claiming `lease`.
    pub(crate) fn of(row: &ItemRow, lease: Option<&LeaseGrant>) -> Self {
        ItemState {
            status: row.item.status,
            stage: row.stage,
            epoch: row.epoch,
            approvals_required: row.item.approvals_required,
            first_approver: row.first_approver.clone(),
            first_action: row.first_action,
            output: row.item.ai.output.clone(),
            timed_out: crate::deadlines::timed_out(row)
                .then_some(row.item.due_at)
                .flatten(),
            blind_first: lease.is_some_and(|lease| blind_first(&row.item, lease.stage)),
        }
    }
}

/// The mutation as it is recorded once applied: for approve_with_edits both the corrected output
/// and the patch that makes it from `ai_output`, whichever of the two the client sent
/// (docs/protocol.md, "Corrections"); neither for another action. Only for a mutation [`judge`]
/// applied, so the rule cannot fail here.
pub(crate) fn as_recorded(mutation: &Mutation, ai_output: &Value) -> Mutation {
    let corrected = correction::corrected_output(
        mutation.action,
        ai_output,
        mutation.correction.as_ref(),
        mutation.patch.as_deref(),
    )
    .ok()
    .flatten();
    Mutation {
        correction: corrected.as_ref().map(|corrected| corrected.output.clone()),
        patch: corrected.map(|corrected| corrected.patch),
        ..mutation.clone()
    }
}

/// Applies an accepted mutation to the item in memory; the caller writes it back.
pub(crate) fn transition(
    row: &mut ItemRow,
    transition: Transition,
    caller: &str,
    mutation: &Mutation,
    now: DateTime<Utc>,
) {
    if !matches!(
        transition,
        Transition::Release | Transition::Comment | Transition::Audit
    ) {
        row.item.decisions.push(DecisionRecord {
            by: caller.to_owned(),
            action: mutation.action,
            correction: (mutation.action == Action::ApproveWithEdits)
                .then(|| mutation.correction.clone())
                .flatten(),
            reason_code: mutation.reason_code.clone(),
            note: mutation.note.clone(),
            at: now,
            patch: (mutation.action == Action::ApproveWithEdits)
                .then(|| mutation.patch.clone())
                .flatten(),
            rationale: mutation.rationale.clone(),
            tags: mutation.tags.clone(),
            signature: mutation.signature.as_ref().map(SignatureManifest::from),
            blind_judgement: mutation.blind_judgement.clone(),
        });
    }
    let release = |row: &mut ItemRow| {
        row.holder = None;
        row.lease_id = None;
        row.lease_expires_at = None;
    };
    match transition {
        Transition::Final(outcome) => {
            row.finish(outcome);
            release(row);
        }
        Transition::AwaitSecondApproval => {
            row.stage = Some(Stage::SecondApproval);
            row.first_approver = Some(caller.to_owned());
            row.first_action = Some(mutation.action);
            release(row);
        }
        Transition::Escalate => {
            row.stage = Some(Stage::Escalation);
            row.audience = Some(Audience::Seniors);
            release(row);
        }
        Transition::Release => {
            // The last note stays until a later release leaves another (docs/protocol.md,
            // "Shift hand-off"); a blank one is no note.
            if let Some(note) = mutation
                .note
                .as_deref()
                .filter(|note| !note.trim().is_empty())
            {
                row.item.handoff = Some(Handoff {
                    by: caller.to_owned(),
                    note: note.to_owned(),
                    at: now,
                });
            }
            if row.holder.as_deref() == Some(caller) {
                release(row);
            }
        }
        Transition::Comment => {}
        Transition::Audit => {
            row.stage = None;
            row.audience = None;
            release(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_domain::{DecisionId, Epoch, ItemId, LeaseId, MutationId};
    use serde_json::json;

    const ITEM: &str = "0190e0a0-0000-7000-8000-000000000001";

    fn mutation(action: Action) -> Mutation {
        Mutation {
            id: MutationId(1),
            decision_id: DecisionId::new_v7(),
            item_id: ITEM.parse::<ItemId>().expect("uuid"),
            lease_id: LeaseId::new_v7(),
            lease_epoch: Epoch(3),
            action,
            correction: None,
            reason_code: None,
            note: None,
            attestation: None,
            client_time: None,
            patch: None,
            rationale: None,
            tags: Vec::new(),
            signature: None,
            blind_judgement: None,
            opened_at: None,
        }
    }

    #[test]
    fn a_comment_needs_a_text_within_the_limit_and_an_author_who_may_read_the_history() {
        let comment = |note: Option<String>| Mutation {
            note,
            ..mutation(Action::Comment)
        };
        let at_limit = "é".repeat(COMMENT_MAX_CHARS);
        let over = "x".repeat(COMMENT_MAX_CHARS + 1);
        let cases: Vec<(Option<String>, bool, Option<ResultCode>)> = vec![
            (Some("@sara is this the same card?".into()), true, None),
            (Some(at_limit), true, None),
            (Some(over.clone()), true, Some(ResultCode::CommentTooLong)),
            (Some(over), false, Some(ResultCode::CommentTooLong)),
            (None, true, Some(ResultCode::InvalidMutation)),
            (Some(" \n ".into()), true, Some(ResultCode::InvalidMutation)),
            (Some("hello".into()), false, Some(ResultCode::Forbidden)),
        ];
        for (note, may_ask, expected) in cases {
            let judged = judge_comment(&comment(note.clone()), may_ask)
                .err()
                .map(|(code, _)| code);
            assert_eq!(judged, expected, "{note:?} may_ask={may_ask}");
        }
    }

    fn lease(stage: Stage) -> LeaseGrant {
        LeaseGrant {
            item_id: ITEM.into(),
            holder: "ana".into(),
            epoch: 3,
            stage,
        }
    }

    fn item(stage: Stage) -> ItemState {
        ItemState {
            status: ItemStatus::Pending,
            stage: Some(stage),
            epoch: 3,
            approvals_required: 1,
            first_approver: None,
            first_action: None,
            output: json!({"verdict": "block"}),
            timed_out: None,
            blind_first: false,
        }
    }

    fn code(verdict: &Verdict) -> String {
        match verdict {
            Verdict::Apply(transition) => format!("apply {transition:?}"),
            Verdict::Conflict(reason, _) => format!("conflict {}", reason.as_str()),
            Verdict::Rejected(code, _) => format!("rejected {code}"),
        }
    }

    #[test]
    fn rule_book() {
        type Case = (
            &'static str,
            Mutation,
            Option<LeaseGrant>,
            ItemState,
            &'static str,
        );
        let edit = |correction: Value| Mutation {
            correction: Some(correction),
            ..mutation(Action::ApproveWithEdits)
        };
        let patched = |patch: Value| Mutation {
            patch: Some(serde_json::from_value(patch).expect("a patch")),
            ..mutation(Action::ApproveWithEdits)
        };
        let four_eyes = ItemState {
            approvals_required: 2,
            ..item(Stage::Escalation)
        };
        let second = ItemState {
            stage: Some(Stage::SecondApproval),
            approvals_required: 2,
            first_approver: Some("bo".into()),
            first_action: Some(Action::ApproveWithEdits),
            ..item(Stage::SecondApproval)
        };
        let deadline = "2026-11-25T12:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("a time");
        let timed_out = ItemState {
            status: ItemStatus::Decided,
            stage: None,
            timed_out: Some(deadline),
            ..item(Stage::Review)
        };
        let audit = ItemState {
            status: ItemStatus::AutoApproved,
            ..item(Stage::Audit)
        };
        let blind = ItemState {
            blind_first: true,
            ..item(Stage::Review)
        };
        let judged = |action: Action, confidence: u8| Mutation {
            blind_judgement: Some(countersign_domain::BlindJudgement {
                verdict: countersign_domain::BlindVerdict::Reject,
                confidence,
                note: None,
                recorded_at: deadline,
            }),
            ..mutation(action)
        };
        let cases: Vec<Case> = vec![
            (
                "approve",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(Approved)",
            ),
            (
                "no lease",
                mutation(Action::Approve),
                None,
                item(Stage::Review),
                "rejected forbidden",
            ),
            (
                "someone else's lease",
                mutation(Action::Approve),
                Some(LeaseGrant {
                    holder: "bo".into(),
                    ..lease(Stage::Review)
                }),
                item(Stage::Review),
                "rejected forbidden",
            ),
            (
                "lease of another item",
                mutation(Action::Approve),
                Some(LeaseGrant {
                    item_id: "x".into(),
                    ..lease(Stage::Review)
                }),
                item(Stage::Review),
                "rejected forbidden",
            ),
            (
                "wrong epoch for lease",
                Mutation {
                    lease_epoch: Epoch(2),
                    ..mutation(Action::Approve)
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "edit without correction",
                mutation(Action::ApproveWithEdits),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "edit of the wrong type",
                edit(json!("text")),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "edit",
                edit(json!({"verdict": "allow"})),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(ApprovedWithEdits)",
            ),
            (
                "edit by patch",
                patched(json!([{"op": "replace", "path": "/verdict", "value": "allow"}])),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(ApprovedWithEdits)",
            ),
            (
                "patch that does not apply",
                patched(json!([{"op": "replace", "path": "/amount", "value": 5}])),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_patch",
            ),
            (
                "patch that changes the output's type",
                patched(json!([{"op": "replace", "path": "", "value": [1]}])),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_patch",
            ),
            (
                "patch and correction that disagree",
                Mutation {
                    correction: Some(json!({"verdict": "review"})),
                    ..patched(json!([{"op": "replace", "path": "/verdict", "value": "allow"}]))
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_patch",
            ),
            (
                "patch on an approve",
                Mutation {
                    action: Action::Approve,
                    ..patched(json!([]))
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_patch",
            ),
            (
                "too many tags",
                Mutation {
                    tags: (0..=correction::MAX_TAGS).map(|n| n.to_string()).collect(),
                    ..mutation(Action::Approve)
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "rationale and tags on a reject",
                Mutation {
                    reason_code: Some("false_positive".into()),
                    rationale: Some("the merchant is the customer's employer".into()),
                    tags: vec!["merchant".into()],
                    ..mutation(Action::Reject)
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(Rejected)",
            ),
            (
                "reject without reason",
                mutation(Action::Reject),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "reject",
                Mutation {
                    reason_code: Some("fraud".into()),
                    ..mutation(Action::Reject)
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(Rejected)",
            ),
            (
                "escalate",
                mutation(Action::Escalate),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Escalate",
            ),
            (
                "escalate twice",
                mutation(Action::Escalate),
                Some(lease(Stage::Escalation)),
                item(Stage::Escalation),
                "rejected invalid_mutation",
            ),
            (
                "release",
                mutation(Action::Release),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Release",
            ),
            (
                "first of four eyes",
                mutation(Action::Approve),
                Some(lease(Stage::Escalation)),
                four_eyes.clone(),
                "apply AwaitSecondApproval",
            ),
            (
                "second of four eyes",
                mutation(Action::Approve),
                Some(lease(Stage::SecondApproval)),
                second.clone(),
                "apply Final(ApprovedWithEdits)",
            ),
            (
                "second approver rejects",
                Mutation {
                    reason_code: Some("unsafe".into()),
                    ..mutation(Action::Reject)
                },
                Some(lease(Stage::SecondApproval)),
                second.clone(),
                "apply Final(Rejected)",
            ),
            (
                "second approval edits",
                edit(json!({})),
                Some(lease(Stage::SecondApproval)),
                second.clone(),
                "rejected invalid_mutation",
            ),
            (
                "first approver again",
                mutation(Action::Approve),
                Some(lease(Stage::Escalation)),
                ItemState {
                    first_approver: Some("ana".into()),
                    ..second.clone()
                },
                "rejected same_approver",
            ),
            (
                "cancelled",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Cancelled,
                    ..item(Stage::Review)
                },
                "conflict cancelled",
            ),
            (
                "decided",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Decided,
                    ..item(Stage::Review)
                },
                "conflict decided_elsewhere",
            ),
            (
                "timed out, decided before the deadline under the last lease",
                Mutation {
                    client_time: Some(deadline - chrono::Duration::minutes(1)),
                    ..mutation(Action::Approve)
                },
                Some(lease(Stage::Review)),
                timed_out.clone(),
                "apply Final(Approved)",
            ),
            (
                "timed out, decided after the deadline",
                Mutation {
                    client_time: Some(deadline + chrono::Duration::minutes(1)),
                    ..mutation(Action::Approve)
                },
                Some(lease(Stage::Review)),
                timed_out.clone(),
                "conflict timed_out",
            ),
            (
                "timed out, no client time",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                timed_out.clone(),
                "conflict timed_out",
            ),
            (
                "timed out, escalated before the deadline",
                Mutation {
                    client_time: Some(deadline - chrono::Duration::minutes(1)),
                    ..mutation(Action::Escalate)
                },
                Some(lease(Stage::Review)),
                timed_out.clone(),
                "conflict timed_out",
            ),
            (
                "timed out, granted to someone since",
                Mutation {
                    client_time: Some(deadline - chrono::Duration::minutes(1)),
                    ..mutation(Action::Approve)
                },
                Some(lease(Stage::Review)),
                ItemState {
                    epoch: 4,
                    ..timed_out.clone()
                },
                "conflict timed_out",
            ),
            (
                "newer epoch",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                ItemState {
                    epoch: 4,
                    ..item(Stage::Review)
                },
                "conflict reassigned",
            ),
            (
                "moved on",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                item(Stage::Escalation),
                "conflict reassigned",
            ),
            (
                "blind read without a judgement",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                blind.clone(),
                "rejected blind_judgement_required",
            ),
            (
                "blind read with its judgement",
                judged(Action::Approve, 4),
                Some(lease(Stage::Review)),
                blind.clone(),
                "apply Final(Approved)",
            ),
            (
                "blind escalation with its judgement",
                judged(Action::Escalate, 2),
                Some(lease(Stage::Review)),
                blind.clone(),
                "apply Escalate",
            ),
            (
                "blind release needs none",
                mutation(Action::Release),
                Some(lease(Stage::Review)),
                blind.clone(),
                "apply Release",
            ),
            (
                "blind judgement out of range",
                judged(Action::Approve, 6),
                Some(lease(Stage::Review)),
                blind.clone(),
                "rejected invalid_blind_judgement",
            ),
            (
                "blind judgement on an item not read blind",
                judged(Action::Approve, 3),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_blind_judgement",
            ),
            (
                "a late blind decision is still a conflict",
                judged(Action::Approve, 3),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Decided,
                    ..blind.clone()
                },
                "conflict decided_elsewhere",
            ),
            (
                "invalid beats conflict",
                mutation(Action::Reject),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Decided,
                    ..item(Stage::Review)
                },
                "rejected invalid_mutation",
            ),
            (
                "an audit approves: the AI was right",
                mutation(Action::Approve),
                Some(lease(Stage::Audit)),
                audit.clone(),
                "apply Audit",
            ),
            (
                "an audit rejects: the AI was wrong",
                Mutation {
                    reason_code: Some("wrong_merchant".into()),
                    ..mutation(Action::Reject)
                },
                Some(lease(Stage::Audit)),
                audit.clone(),
                "apply Audit",
            ),
            (
                "an audit releases",
                mutation(Action::Release),
                Some(lease(Stage::Audit)),
                audit.clone(),
                "apply Release",
            ),
            (
                "an audit does not edit",
                edit(json!({"verdict": "allow"})),
                Some(lease(Stage::Audit)),
                audit.clone(),
                "rejected invalid_mutation",
            ),
            (
                "an audit does not escalate",
                mutation(Action::Escalate),
                Some(lease(Stage::Audit)),
                audit.clone(),
                "rejected invalid_mutation",
            ),
            (
                "audited elsewhere",
                mutation(Action::Approve),
                Some(lease(Stage::Audit)),
                ItemState {
                    stage: None,
                    ..audit.clone()
                },
                "conflict decided_elsewhere",
            ),
            (
                "a review lease on an auto-approved item",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                audit.clone(),
                "conflict decided_elsewhere",
            ),
        ];
        for (name, mutation, lease, item, expected) in cases {
            let verdict = judge("ana", &mutation, lease.as_ref(), Some(&item), None);
            assert_eq!(code(&verdict), expected, "{name}");
        }
    }

    #[test]
    fn a_registered_kind_binds_reject_reasons_and_corrections() {
        let spec = serde_json::from_value(json!({
            "label": "Transaction", "plural": "Transactions",
            "payload_schema": {"type": "object"},
            "output_schema": {"type": "object", "required": ["verdict"],
                "properties": {"verdict": {"enum": ["allow", "block"]}}},
            "reason_codes": [{"code": "false_positive", "label": "False positive"}],
        }))
        .expect("a kind spec");
        let kind = CompiledKind::compile("transaction", 1, &spec).expect("a valid kind");
        let rejecting = |code: &str| Mutation {
            reason_code: Some(code.into()),
            ..mutation(Action::Reject)
        };
        let correcting = |correction: Value| Mutation {
            correction: Some(correction),
            ..mutation(Action::ApproveWithEdits)
        };
        // (name, mutation, with the kind, without it)
        let cases = [
            (
                "listed reason",
                rejecting("false_positive"),
                "apply Final(Rejected)",
                "apply Final(Rejected)",
            ),
            (
                "reason the kind does not list",
                rejecting("suspected_fraud"),
                "rejected unknown_reason_code",
                "apply Final(Rejected)",
            ),
            (
                "correction within the output schema",
                correcting(json!({"verdict": "allow"})),
                "apply Final(ApprovedWithEdits)",
                "apply Final(ApprovedWithEdits)",
            ),
            (
                "correction outside the output schema",
                correcting(json!({"verdict": "maybe"})),
                "rejected invalid_correction",
                "apply Final(ApprovedWithEdits)",
            ),
        ];
        let (lease, item) = (lease(Stage::Review), item(Stage::Review));
        for (name, mutation, with_kind, without) in cases {
            let judged = |kind| code(&judge("ana", &mutation, Some(&lease), Some(&item), kind));
            assert_eq!(judged(Some(&kind)), with_kind, "{name}");
            assert_eq!(judged(None), without, "{name}, unregistered kind");
        }
    }
}
