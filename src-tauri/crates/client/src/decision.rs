//! The rules a decision must meet before anything is stored: the checks the server would make, made
//! here so the reviewer hears at once. The store applies them on every decision; the shells ask
//! [`needs_sign_off`] before they ask the reviewer for their signing PIN.

use countersign_domain::blind::needs_judgement;
use countersign_domain::correction::{self, Corrected, CorrectionError};
use countersign_domain::{
    Action, BlindJudgement, BlindJudgementError, Item, SignatureRequirement, Stage, blind_first,
    check_judgement,
};
use serde_json::Value;

use crate::model::DecisionInput;

/// Why a decision cannot be recorded. Each variant is a case a front end can explain in its own terms
/// (the CLI names its flags, the app its fields).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("approve with edits needs the corrected output")]
    MissingCorrection,
    #[error("the correction must have the same JSON type as the AI output ({expected}), got {got}")]
    CorrectionType {
        expected: &'static str,
        got: &'static str,
    },
    #[error("a correction goes only with approve with edits")]
    UnexpectedCorrection,
    #[error("reject needs a reason code")]
    MissingReason,
    #[error(
        "{code:?} is not a reason this kind of item may be rejected with; use one of: {allowed}"
    )]
    UnknownReason { code: String, allowed: String },
    #[error("this item asks for an attestation before it is approved")]
    MissingAttestation,
    /// A comment goes through `Store::comment`, never as a decision.
    #[error("a comment is not a decision")]
    NotADecision,
    /// A patch that does not apply or disagrees with the correction, a rationale or tags over their
    /// limits: the queue's own rule (docs/protocol.md, "Corrections").
    #[error("{0}")]
    Correction(CorrectionError),
    #[error("this decision must be signed: enter your signing PIN")]
    MissingSignature,
    /// The assignment's stage does not allow the action ([`Stage::refusal`], the queue's rule).
    #[error("{0}")]
    NotInStage(&'static str),
    /// An item read blind first without the reviewer's recorded verdict, or a bad one: the queue's
    /// own rule (docs/protocol.md, "Blind first read").
    #[error("{0}")]
    Blind(BlindJudgementError),
}

/// Whether the producer asked for an attestation statement on approval (`payload.requires_attestation`).
fn asks_attestation(item: &Item, action: Action) -> bool {
    SignatureRequirement::applies_to(action)
        && item.payload.get("requires_attestation") == Some(&Value::Bool(true))
}

/// Whether `action` on `item` is a sign-off that must carry the reviewer's electronic signature: an
/// approval of an item whose policy rule requires one (`Item.signature_required`, which the queue
/// enforces), or of an item whose producer asked for an attestation (items routed before signatures
/// existed, signed all the same).
pub fn needs_sign_off(item: &Item, action: Action) -> bool {
    SignatureRequirement::applies_to(action)
        && (item.signature_required.is_some() || asks_attestation(item, action))
}

/// The blind judgement a decision (`action`) on `item` held at `stage` takes with it from what was
/// `recorded` before the reveal: on a blind assignment's decisions only.
pub fn judgement_for(
    item: &Item,
    stage: Stage,
    action: Action,
    recorded: Option<BlindJudgement>,
) -> Option<BlindJudgement> {
    recorded.filter(|_| blind_first(item, stage) && needs_judgement(action))
}

/// Checks `input` against `item` held at `stage`; `judgement` is the blind judgement it goes with
/// ([`judgement_for`]); `reasons` are the reject reasons of the item's kind when it is a
/// synced registered kind (the server refuses any other, docs/protocol.md "Kinds"); `signed` says
/// whether the decision will carry a signature. Returns the corrected output and its patch for an
/// approve with edits, as the queue will record them.
pub fn validate(
    input: &DecisionInput,
    item: &Item,
    stage: Stage,
    judgement: Option<&BlindJudgement>,
    reasons: Option<&[String]>,
    signed: bool,
) -> Result<Option<Corrected>, DecisionError> {
    if input.action == Action::Comment {
        return Err(DecisionError::NotADecision);
    }
    if let Some(why) = stage.refusal(input.action) {
        return Err(DecisionError::NotInStage(why));
    }
    check_judgement(blind_first(item, stage), input.action, judgement, None)
        .map_err(DecisionError::Blind)?;
    if input.correction.is_some() && input.action != Action::ApproveWithEdits {
        return Err(DecisionError::UnexpectedCorrection);
    }
    let corrected = correction::corrected_output(
        input.action,
        &item.ai.output,
        input.correction.as_ref(),
        input.patch.as_deref(),
    )
    .map_err(|error| match error {
        CorrectionError::Missing => DecisionError::MissingCorrection,
        CorrectionError::CorrectionType { expected, got } => {
            DecisionError::CorrectionType { expected, got }
        }
        other => DecisionError::Correction(other),
    })?;
    correction::check_annotations(input.rationale.as_deref(), &input.tags)
        .map_err(DecisionError::Correction)?;
    if input.action == Action::Reject
        && input
            .reason_code
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        return Err(DecisionError::MissingReason);
    }
    if input.action == Action::Reject
        && let (Some(code), Some(reasons)) = (input.reason_code.as_deref(), reasons)
        && !reasons.iter().any(|reason| reason == code)
    {
        return Err(DecisionError::UnknownReason {
            code: code.to_owned(),
            allowed: reasons.join(", "),
        });
    }
    if asks_attestation(item, input.action) && input.attestation.as_ref().is_none_or(Value::is_null)
    {
        return Err(DecisionError::MissingAttestation);
    }
    if needs_sign_off(item, input.action) && !signed {
        return Err(DecisionError::MissingSignature);
    }
    Ok(corrected)
}
