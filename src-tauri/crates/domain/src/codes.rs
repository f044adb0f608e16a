//! Stable snake_case codes the queue answers with: [`ApiErrorCode`] in every error body,
//! [`ResultCode`] for a mutation that was not applied. Clients branch on these, never on messages.
//! Wire names are derived once from the variant names (serde and strum both in snake_case; the tests
//! below prove they agree). A code this build does not know (a newer server) decodes as `Unknown`
//! instead of failing the whole response; the server never sends `unknown`.

use serde::{Deserialize, Serialize};

/// `ErrorBody.error.code`: why an HTTP request failed.
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
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ApiErrorCode {
    /// 400: the body is not JSON.
    MalformedJson,
    /// 400 or 422: a query parameter is missing or out of range.
    InvalidQuery,
    /// 401: no token, or one the queue does not know.
    Unauthorized,
    /// 403: the token's role may not do this, or the client id is someone else's.
    Forbidden,
    /// 404: no such endpoint, or no such item of the caller's.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 409: a user of that name exists.
    UserExists,
    /// 409: the item is no longer pending.
    NotPending,
    /// 413.
    PayloadTooLarge,
    /// 415: the body is not sent as JSON.
    UnsupportedMediaType,
    /// 422: JSON of the wrong shape.
    InvalidRequest,
    /// 422: a submission serde accepts but the rules refuse (ranges, emptiness, URLs).
    InvalidItem,
    /// 422: a user name outside the allowed characters.
    InvalidName,
    /// 422: an unknown export format.
    InvalidFormat,
    /// 422: a sync cursor not issued to this client; pull with cursor null.
    InvalidCursor,
    /// 422: a push with too many mutations.
    TooManyMutations,
    /// 404 or 422: a team that does not exist.
    UnknownTeam,
    /// 409: a team of that name exists.
    TeamExists,
    /// 409: the change would leave no enabled admin.
    LastAdmin,
    /// 422: the `callback_url`'s host is outside the service's `--callback-allow` list.
    CallbackUrlNotAllowed,
    /// 422: a duration such as `expires_in` that is not a whole number and s, m, h or d.
    InvalidDuration,
    /// 422: a kind spec that breaks a rule (not a JSON Schema, a bad pointer, reason codes, `due_in`).
    InvalidKind,
    /// 409: re-registering the kind would make queued (undecided) items invalid; the message says how many.
    KindBreaksQueuedItems,
    /// 422: a submission does not satisfy its registered kind's schemas; `path` says where.
    SchemaViolation,
    /// 500.
    Internal,
    /// 503: the database failed; nothing was changed.
    StorageUnavailable,
    /// 422: a signing PIN that is too short or equals, contains or is contained in the API token.
    WeakPin,
    /// 403: the signing PIN given is wrong (each wrong PIN counts towards the lock).
    WrongPin,
    /// 403: signing is locked after too many wrong PINs, until an admin unlocks it.
    SigningLocked,
    /// 409: no signing PIN is set yet (`PUT /v1/me/signing-pin`).
    NoSigningPin,
    /// 422: a signing key that is not a valid Ed25519 public key.
    InvalidSigningKey,
    /// 403: `gold` on a submission from anyone but an admin (docs/protocol.md, "Gold items"); nothing stored.
    GoldNeedsAdmin,
    /// 422: a gold item that cannot be served: an unknown `as_producer`, no producer of its kind to
    /// appear as, or a route that is auto-approved or has no team.
    InvalidGold,
    /// A code this build does not know.
    #[serde(other)]
    Unknown,
}

/// `MutationResult.code`: why a mutation was a conflict or was rejected.
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
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ResultCode {
    /// Conflict: the item was leased to someone else (the lease epoch is no longer current).
    Reassigned,
    /// Conflict: the item was decided (or auto-approved) by someone else.
    DecidedElsewhere,
    /// Conflict: the producer withdrew the item.
    Cancelled,
    /// Rejected: the lease was never granted to the caller for this item.
    Forbidden,
    /// Rejected: the mutation breaks a rule whatever happened to the item.
    InvalidMutation,
    /// Rejected: the second approval must come from someone other than the first approver.
    SameApprover,
    /// Rejected: the mutation id was already used for another decision.
    MutationIdReused,
    /// Conflict: the deadline passed and the item was rejected by timeout.
    TimedOut,
    /// Rejected: a reject's reason code is not one the item's registered kind lists.
    UnknownReasonCode,
    /// Rejected: an approve_with_edits whose correction does not satisfy the kind's output schema.
    InvalidCorrection,
    /// Rejected: a comment longer than [`crate::COMMENT_MAX_CHARS`] characters.
    CommentTooLong,
    /// Rejected: a patch that does not apply to `ai.output`, changes its JSON type, disagrees with
    /// the correction sent beside it, or comes with another action than approve_with_edits.
    InvalidPatch,
    /// Rejected: the item's policy requires a signature for this decision and it carries none.
    SignatureRequired,
    /// Rejected: the signature does not hold (bad signature, a key not the caller's, a signer outside
    /// `signers_team`, another item's content or decision, a wrong name or meaning, signing locked).
    SignatureInvalid,
    /// Rejected: a decision on an item read blind first without the reviewer's blind judgement
    /// (docs/protocol.md, "Blind first read").
    BlindJudgementRequired,
    /// Rejected: a blind judgement out of range (confidence 1 to 5, note length), recorded after its
    /// decision, or sent with something other than a decision on an item read blind first.
    InvalidBlindJudgement,
    /// Rejected: an `opened_at` after the decision or absurdly long before it (docs/protocol.md,
    /// "Reviewer fatigue").
    InvalidOpenedAt,
    /// A code this build does not know.
    #[serde(other)]
    Unknown,
}

impl ApiErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl ResultCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RemovalReason, Role, Stage};
    use serde::de::DeserializeOwned;
    use strum::VariantArray;

    /// serde's name (the wire) and strum's name (`as_str`, `Display`, `FromStr`) of every variant
    /// agree, and every name reads back as its variant.
    fn names_agree<T>()
    where
        T: VariantArray + Serialize + DeserializeOwned + Copy + PartialEq + std::fmt::Debug,
        &'static str: From<T>,
    {
        for &variant in T::VARIANTS {
            let wire = serde_json::to_value(variant).expect("serializes");
            let name: &'static str = variant.into();
            assert_eq!(
                wire,
                serde_json::Value::String(name.to_owned()),
                "{variant:?}"
            );
            let back: T = serde_json::from_value(wire).expect("deserializes");
            assert_eq!(back, variant);
        }
    }

    #[test]
    fn wire_names_are_derived_once() {
        names_agree::<ApiErrorCode>();
        names_agree::<ResultCode>();
        names_agree::<Role>();
        names_agree::<Stage>();
        names_agree::<RemovalReason>();
        names_agree::<crate::BlindVerdict>();
    }

    #[test]
    fn unknown_codes_decode_instead_of_failing() {
        let code: ResultCode = serde_json::from_str("\"quorum_lost\"").expect("decodes");
        assert_eq!(code, ResultCode::Unknown);
        let code: ApiErrorCode = serde_json::from_str("\"rate_limited\"").expect("decodes");
        assert_eq!(code, ApiErrorCode::Unknown);
        assert_eq!(
            serde_json::to_string(&ResultCode::MutationIdReused).expect("serializes"),
            "\"mutation_id_reused\""
        );
    }
}
