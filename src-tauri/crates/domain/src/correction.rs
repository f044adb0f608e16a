//! Structured corrections (docs/protocol.md, "Corrections"): the human version of `ai.output` as an
//! RFC 6902 JSON Patch against it, with a rationale and tags. The rule that turns a decision's
//! `patch` and/or whole `correction` into the corrected output is written here once: the queue
//! applies it at push, the desktop core before it queues a decision.

use serde_json::Value;

use crate::{Action, ResultCode};

pub use json_patch::PatchOperation;

/// A patch longer than this is refused: a field-level correction is a handful of operations.
pub const MAX_PATCH_OPERATIONS: usize = 1_000;
/// Why the reviewer corrected or rejected, in their words.
pub const MAX_RATIONALE_CHARS: usize = 20_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 64;

/// Why a decision's correction, patch, rationale or tags cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error("approve_with_edits needs a correction or a patch: the human version of the AI output")]
    Missing,
    #[error("a patch goes only with approve_with_edits")]
    UnexpectedPatch,
    #[error("the correction must have the same JSON type as the AI output ({expected}), got {got}")]
    CorrectionType {
        expected: &'static str,
        got: &'static str,
    },
    #[error("the patch does not apply to ai.output: {0}")]
    DoesNotApply(String),
    #[error("the patch turns the AI output ({expected}) into another JSON type ({got})")]
    PatchTypeChange {
        expected: &'static str,
        got: &'static str,
    },
    #[error(
        "the patch and the correction disagree: the patch applied to ai.output is not the correction"
    )]
    Disagree,
    #[error("a patch has at most {MAX_PATCH_OPERATIONS} operations")]
    TooManyOperations,
    #[error("a patch may not use copy: a correction states the values it sets")]
    CopyOperation,
    #[error("a rationale has at most {MAX_RATIONALE_CHARS} characters")]
    RationaleTooLong,
    #[error("at most {MAX_TAGS} tags, each 1 to {MAX_TAG_CHARS} characters and not blank")]
    BadTags,
}

impl CorrectionError {
    /// The `MutationResult.code` the queue answers with: `invalid_patch` for a patch that cannot
    /// stand, `invalid_mutation` for what was refused before patches existed.
    pub fn result_code(&self) -> ResultCode {
        match self {
            CorrectionError::Missing
            | CorrectionError::CorrectionType { .. }
            | CorrectionError::RationaleTooLong
            | CorrectionError::BadTags => ResultCode::InvalidMutation,
            CorrectionError::UnexpectedPatch
            | CorrectionError::DoesNotApply(_)
            | CorrectionError::PatchTypeChange { .. }
            | CorrectionError::Disagree
            | CorrectionError::TooManyOperations
            | CorrectionError::CopyOperation => ResultCode::InvalidPatch,
        }
    }
}

/// The human version of `ai.output` and the patch that makes it from the AI's.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrected {
    pub output: Value,
    pub patch: Vec<PatchOperation>,
}

/// The corrected output of a decision, or None when `action` corrects nothing. For
/// approve_with_edits it is `patch` applied to `ai_output`, or the whole `correction` (older
/// clients, the CLI), from which the patch is computed; when both are given they must agree. The
/// result keeps the AI output's JSON type. A correction on another action is left to the caller
/// (the queue has always ignored it); a patch on another action is refused.
pub fn corrected_output(
    action: Action,
    ai_output: &Value,
    correction: Option<&Value>,
    patch: Option<&[PatchOperation]>,
) -> Result<Option<Corrected>, CorrectionError> {
    if action != Action::ApproveWithEdits {
        return match patch {
            Some(_) => Err(CorrectionError::UnexpectedPatch),
            None => Ok(None),
        };
    }
    let correction = correction.filter(|value| !value.is_null());
    let expected = json_type(ai_output);
    let Some(patch) = patch else {
        let correction = correction.ok_or(CorrectionError::Missing)?;
        let got = json_type(correction);
        if got != expected {
            return Err(CorrectionError::CorrectionType { expected, got });
        }
        return Ok(Some(Corrected {
            output: correction.clone(),
            patch: json_patch::diff(ai_output, correction).0,
        }));
    };
    if patch.len() > MAX_PATCH_OPERATIONS {
        return Err(CorrectionError::TooManyOperations);
    }
    // Each copy can double the document: a short patch of copies would exhaust the memory.
    if patch
        .iter()
        .any(|operation| matches!(operation, PatchOperation::Copy(_)))
    {
        return Err(CorrectionError::CopyOperation);
    }
    let mut output = ai_output.clone();
    json_patch::patch(&mut output, patch)
        .map_err(|error| CorrectionError::DoesNotApply(error.to_string()))?;
    let got = json_type(&output);
    if got != expected {
        return Err(CorrectionError::PatchTypeChange { expected, got });
    }
    if correction.is_some_and(|correction| *correction != output) {
        return Err(CorrectionError::Disagree);
    }
    Ok(Some(Corrected {
        output,
        patch: patch.to_vec(),
    }))
}

/// Checks a decision's rationale and tags against their documented limits.
pub fn check_annotations(rationale: Option<&str>, tags: &[String]) -> Result<(), CorrectionError> {
    if rationale.is_some_and(|text| text.chars().count() > MAX_RATIONALE_CHARS) {
        return Err(CorrectionError::RationaleTooLong);
    }
    let bad_tag = |tag: &String| tag.trim().is_empty() || tag.chars().count() > MAX_TAG_CHARS;
    if tags.len() > MAX_TAGS || tags.iter().any(bad_tag) {
        return Err(CorrectionError::BadTags);
    }
    Ok(())
}

/// The JSON type's name, as messages say it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(value: Value) -> Vec<PatchOperation> {
        serde_json::from_value(value).expect("a patch")
    }

    fn edit(
        ai: &Value,
        correction: Option<Value>,
        patch: Option<Value>,
    ) -> Result<Option<Corrected>, CorrectionError> {
        let patch = patch.map(ops);
        corrected_output(
            Action::ApproveWithEdits,
            ai,
            correction.as_ref(),
            patch.as_deref(),
        )
    }

    fn ai() -> Value {
        json!({"verdict": "block", "amount": 120.5, "tags": ["card"]})
    }

    #[test]
    fn a_patch_applies_to_the_ai_output() {
        let patch = json!([{"op": "replace", "path": "/verdict", "value": "allow"},
                           {"op": "add", "path": "/tags/-", "value": "known"}]);
        let corrected = edit(&ai(), None, Some(patch.clone()))
            .expect("applies")
            .expect("an edit corrects");
        assert_eq!(
            corrected.output,
            json!({"verdict": "allow", "amount": 120.5, "tags": ["card", "known"]})
        );
        assert_eq!(corrected.patch, ops(patch));
    }

    #[test]
    fn a_whole_correction_yields_the_patch_that_makes_it() {
        let correction = json!({"verdict": "allow", "amount": 99, "tags": ["card"]});
        let corrected = edit(&ai(), Some(correction.clone()), None)
            .expect("valid")
            .expect("an edit corrects");
        assert_eq!(corrected.output, correction);
        let mut replayed = ai();
        json_patch::patch(&mut replayed, &corrected.patch).expect("the computed patch applies");
        assert_eq!(replayed, correction);
        assert_eq!(corrected.patch.len(), 2, "{:?}", corrected.patch);
    }

    #[test]
    fn a_patch_and_a_correction_must_agree() {
        let patch = json!([{"op": "replace", "path": "/amount", "value": 99}]);
        let agreeing = json!({"verdict": "block", "amount": 99, "tags": ["card"]});
        assert_eq!(
            edit(&ai(), Some(agreeing.clone()), Some(patch.clone()))
                .expect("they agree")
                .map(|c| c.output),
            Some(agreeing)
        );
        let other = json!({"verdict": "allow", "amount": 99, "tags": ["card"]});
        assert_eq!(
            edit(&ai(), Some(other), Some(patch)),
            Err(CorrectionError::Disagree)
        );
    }

    #[test]
    fn a_patch_that_does_not_apply_is_refused() {
        for patch in [
            json!([{"op": "replace", "path": "/missing/field", "value": 1}]),
            json!([{"op": "remove", "path": "/tags/5"}]),
            json!([{"op": "test", "path": "/verdict", "value": "allow"}]),
        ] {
            let refused = edit(&ai(), None, Some(patch.clone()));
            assert!(
                matches!(refused, Err(CorrectionError::DoesNotApply(_))),
                "{patch}: {refused:?}"
            );
            assert_eq!(
                refused.expect_err("refused").result_code(),
                ResultCode::InvalidPatch
            );
        }
    }

    #[test]
    fn a_patch_may_not_change_the_outputs_json_type() {
        let refused = edit(
            &ai(),
            None,
            Some(json!([{"op": "replace", "path": "", "value": "allow"}])),
        );
        assert_eq!(
            refused,
            Err(CorrectionError::PatchTypeChange {
                expected: "object",
                got: "string"
            })
        );
        // A whole correction of another type keeps its older code.
        let refused = edit(&ai(), Some(json!(["allow"])), None).expect_err("refused");
        assert_eq!(refused.result_code(), ResultCode::InvalidMutation);
    }

    #[test]
    fn only_approve_with_edits_corrects() {
        let patch = ops(json!([{"op": "replace", "path": "/verdict", "value": "allow"}]));
        assert_eq!(
            corrected_output(Action::Approve, &ai(), None, Some(&patch)),
            Err(CorrectionError::UnexpectedPatch)
        );
        assert_eq!(
            corrected_output(Action::Reject, &ai(), Some(&json!({"x": 1})), None),
            Ok(None)
        );
        assert_eq!(
            edit(&ai(), Some(Value::Null), None),
            Err(CorrectionError::Missing)
        );
        let copy = ops(json!([{"op": "copy", "from": "", "path": "/again"}]));
        assert_eq!(
            corrected_output(Action::ApproveWithEdits, &ai(), None, Some(&copy)),
            Err(CorrectionError::CopyOperation)
        );
        let too_long: Vec<PatchOperation> = (0..=MAX_PATCH_OPERATIONS)
            .map(|_| patch[0].clone())
            .collect();
        assert_eq!(
            corrected_output(Action::ApproveWithEdits, &ai(), None, Some(&too_long)),
            Err(CorrectionError::TooManyOperations)
        );
    }

    #[test]
    fn rationale_and_tags_are_bounded() {
        assert_eq!(
            check_annotations(Some("wrong merchant"), &["merchant".into()]),
            Ok(())
        );
        let long = "x".repeat(MAX_RATIONALE_CHARS + 1);
        assert_eq!(
            check_annotations(Some(&long), &[]),
            Err(CorrectionError::RationaleTooLong)
        );
        for tags in [
            vec![" ".to_owned()],
            vec!["t".repeat(MAX_TAG_CHARS + 1)],
            (0..=MAX_TAGS).map(|n| n.to_string()).collect(),
        ] {
            assert_eq!(
                check_annotations(None, &tags),
                Err(CorrectionError::BadTags)
            );
        }
    }
}
