//! The rules a decision must meet before anything is stored: the checks the server would make, made
//! here so the reviewer hears at once. The store applies them on every decision; the shells ask
//! [`needs_sign_off`] before they ask the reviewer for their signing PIN.

use countersign_domain::{Action, Item, SignatureRequirement};
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
    #[error("this decision must be signed: enter your signing PIN")]
    MissingSignature,
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

/// Checks `input` against `item`; `reasons` are the reject reasons of the item's kind when it is a
/// synced registered kind (the server refuses any other, docs/protocol.md "Kinds"); `signed` says
/// whether the decision will carry a signature.
pub fn validate(
    input: &DecisionInput,
    item: &Item,
    reasons: Option<&[String]>,
    signed: bool,
) -> Result<(), DecisionError> {
    match (&input.correction, input.action) {
        (None, Action::ApproveWithEdits) => return Err(DecisionError::MissingCorrection),
        (Some(correction), Action::ApproveWithEdits) => {
            let (expected, got) = (json_type(&item.ai.output), json_type(correction));
            if expected != got {
                return Err(DecisionError::CorrectionType { expected, got });
            }
        }
        (Some(_), _) => return Err(DecisionError::UnexpectedCorrection),
        (None, _) => {}
    }
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
    Ok(())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
