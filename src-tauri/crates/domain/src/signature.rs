//! Electronic signatures on decisions (docs/protocol.md, "Signatures"): what a policy requires, what
//! a signer sends, what the item records, and the bytes a signature covers. The canonical forms are
//! written here once, for the desktop that signs and the queue that verifies; a third party verifies
//! with the same recipe (RFC 8785 canonical JSON, SHA-256, Ed25519).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::ids::{DecisionId, ItemId};
use crate::item::{Action, Item};

/// What a signature means, shown to the signer and recorded with it (21 CFR 11.50).
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
pub enum SignatureMeaning {
    /// The signer approves the decision and what it puts into use.
    Approval,
    /// The signer has reviewed the item.
    Review,
    /// The signer takes responsibility for the outcome.
    Responsibility,
}

impl SignatureMeaning {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An item's signature rule, set at routing from its policy rule (`signature`, `signers_team`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureRequirement {
    pub meaning: SignatureMeaning,
    /// Only members of this team may sign; null: whoever may decide the item.
    pub signers_team: Option<String>,
}

impl SignatureRequirement {
    /// Whether a decision with `action` must be signed: every approval (with or without edits, first
    /// or second). Other actions may carry a signature, which is then verified all the same.
    pub fn applies_to(action: Action) -> bool {
        matches!(action, Action::Approve | Action::ApproveWithEdits)
    }
}

/// `Mutation.signature`: a decision signed with a registered device key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureEnvelope {
    /// [`key_id`] of the public key registered with `POST /v1/me/signing-keys`.
    pub key_id: String,
    pub signed_at: DateTime<Utc>,
    pub meaning: SignatureMeaning,
    /// The signer's full name as the queue knows it (`Me.full_name`).
    pub signer_name: String,
    /// [`content_hash`] of the item as the signer saw it.
    pub content_hash: String,
    /// Base64 (standard, padded) of the 64-byte Ed25519 signature over [`signing_message`].
    pub signature: String,
}

/// `DecisionRecord.signature`: the signature manifest shown with a signed decision (21 CFR 11.50).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureManifest {
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
    pub meaning: SignatureMeaning,
    pub key_id: String,
}

impl From<&SignatureEnvelope> for SignatureManifest {
    fn from(envelope: &SignatureEnvelope) -> Self {
        SignatureManifest {
            signer_name: envelope.signer_name.clone(),
            signed_at: envelope.signed_at,
            meaning: envelope.meaning,
            key_id: envelope.key_id.clone(),
        }
    }
}

/// `PUT /v1/me/signing-pin`: sets the caller's signing PIN; changing one needs the current PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningPinRequest {
    pub pin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_pin: Option<String>,
}

/// `POST /v1/me/signing-keys`: registers a device's Ed25519 public key for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningKeyRequest {
    /// Base64 (standard, padded) of the 32-byte public key.
    pub public_key: String,
    /// The caller's signing PIN.
    pub pin: String,
}

/// The answer of `POST /v1/me/signing-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningKeyRegistered {
    pub key_id: String,
}

/// The decision a signature covers: the fields of its mutation that say what was decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedDecision<'a> {
    pub item_id: ItemId,
    pub decision_id: DecisionId,
    pub action: Action,
    pub correction: Option<&'a Value>,
    pub reason_code: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the public key is not 32 bytes of base64 (standard alphabet, padded)")]
    PublicKeyEncoding,
    #[error("the public key is not a valid Ed25519 key")]
    PublicKey,
    #[error("the signature is not 64 bytes of base64 (standard alphabet, padded)")]
    SignatureEncoding,
    #[error(
        "the signature does not match the decision, the content hash, the meaning, the name and the time it claims"
    )]
    Mismatch,
}

/// Wrong signing PINs in a row after which signing locks: on the queue until an admin unlocks it, on a
/// device until its key is registered again online.
pub const MAX_PIN_FAILURES: u32 = 5;
/// The shortest signing PIN, in characters.
pub const MIN_PIN_CHARS: usize = 6;

/// The purpose string inside every signed message, so that a signature made for a Countersign
/// decision can never be taken for one over other data.
pub const SIGNING_PURPOSE: &str = "countersign decision signature v1";

fn canonical(value: &Value) -> Vec<u8> {
    // A serde_json Value always serializes; RFC 8785 refuses only non-finite numbers, which a Value
    // cannot hold.
    serde_jcs::to_vec(value).unwrap_or_default()
}

/// The version of the output a signer countersigns: the correction of the item's last approval with
/// edits (the first approver's version in four-eyes review), or null when the AI's output stands.
fn countersigned_version(item: &Item) -> Value {
    item.decisions
        .iter()
        .rev()
        .find(|decision| decision.action == Action::ApproveWithEdits)
        .and_then(|decision| decision.correction.clone())
        .unwrap_or(Value::Null)
}

/// Lower-case hex SHA-256 of the RFC 8785 canonical JSON of the item content a signer sees:
/// `{"countersigned", "output", "payload", "title"}` (docs/protocol.md, "Signatures").
pub fn content_hash(item: &Item) -> String {
    let content = json!({
        "title": item.title,
        "payload": item.payload,
        "output": item.ai.output,
        "countersigned": countersigned_version(item),
    });
    hex::encode(Sha256::digest(canonical(&content)))
}

/// The bytes an Ed25519 signature covers: the RFC 8785 canonical JSON of the decision with the
/// signature's own claims (docs/protocol.md, "Signatures").
pub fn signing_message(
    decision: &SignedDecision<'_>,
    content_hash: &str,
    meaning: SignatureMeaning,
    signer_name: &str,
    signed_at: DateTime<Utc>,
) -> Vec<u8> {
    canonical(&json!({
        "purpose": SIGNING_PURPOSE,
        "item_id": decision.item_id,
        "decision_id": decision.decision_id,
        "action": decision.action,
        "correction": decision.correction,
        "reason_code": decision.reason_code,
        "note": decision.note,
        "content_hash": content_hash,
        "meaning": meaning,
        "signer_name": signer_name,
        "signed_at": signed_at,
    }))
}

/// The id of a public key: lower-case hex SHA-256 of its 32 bytes.
pub fn key_id(public_key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(public_key.as_bytes()))
}

/// A public key as the wire carries it: base64 (standard, padded) of its 32 bytes.
pub fn encode_public_key(public_key: &VerifyingKey) -> String {
    STANDARD.encode(public_key.as_bytes())
}

/// Reads a public key sent as [`encode_public_key`] writes it.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, SignatureError> {
    let bytes: [u8; 32] = STANDARD
        .decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(SignatureError::PublicKeyEncoding)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::PublicKey)
}

/// Signs `decision` about `item` (as displayed) with `key`, as `signer_name` meaning `meaning`, at
/// `signed_at`.
pub fn sign(
    key: &SigningKey,
    decision: &SignedDecision<'_>,
    item: &Item,
    meaning: SignatureMeaning,
    signer_name: &str,
    signed_at: DateTime<Utc>,
) -> SignatureEnvelope {
    let content_hash = content_hash(item);
    let message = signing_message(decision, &content_hash, meaning, signer_name, signed_at);
    SignatureEnvelope {
        key_id: key_id(&key.verifying_key()),
        signed_at,
        meaning,
        signer_name: signer_name.to_owned(),
        content_hash,
        signature: STANDARD.encode(key.sign(&message).to_bytes()),
    }
}

impl SignatureEnvelope {
    /// Checks the signature over `decision` with the envelope's own claims against `public_key`.
    /// Whether those claims are the right ones (key owner, name, content, meaning) is the
    /// verifier's to check.
    pub fn verify(
        &self,
        decision: &SignedDecision<'_>,
        public_key: &VerifyingKey,
    ) -> Result<(), SignatureError> {
        let bytes: [u8; 64] = STANDARD
            .decode(&self.signature)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(SignatureError::SignatureEncoding)?;
        let message = signing_message(
            decision,
            &self.content_hash,
            self.meaning,
            &self.signer_name,
            self.signed_at,
        );
        public_key
            .verify_strict(&message, &Signature::from_bytes(&bytes))
            .map_err(|_| SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{DecisionRecord, Item};

    fn item() -> Item {
        serde_json::from_value(json!({
            "id": "0192c5a0-0000-7000-8000-000000000001", "producer": "p",
            "created_at": "2026-11-30T00:00:00Z", "external_id": "x", "kind": "clinical_suggestion",
            "title": "Dose", "payload": {"patient": "A", "mg": 5},
            "ai": {"output": {"dose_mg": 5}, "confidence": 0.7, "risk": "medium"},
            "priority": 50, "due_at": null, "callback_url": null, "route": "review",
            "routing_rule": "r", "approvals_required": 1, "status": "pending", "outcome": null,
            "decisions": []
        }))
        .expect("an item")
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let item = item();
        let correction = json!({"dose_mg": 4});
        let decision = SignedDecision {
            item_id: item.id,
            decision_id: DecisionId::new_v7(),
            action: Action::ApproveWithEdits,
            correction: Some(&correction),
            reason_code: None,
            note: Some("checked"),
        };
        let at = "2026-11-30T05:00:00Z".parse().expect("a time");
        let envelope = sign(
            &key(1),
            &decision,
            &item,
            SignatureMeaning::Approval,
            "Ana Ruiz",
            at,
        );
        let public = key(1).verifying_key();
        assert_eq!(envelope.verify(&decision, &public), Ok(()));
        assert_eq!(envelope.key_id, key_id(&public));
        assert_eq!(
            decode_public_key(&encode_public_key(&public)),
            Ok(public),
            "round trip"
        );
        let other = json!({"dose_mg": 40});
        let tampered = [
            SignedDecision {
                correction: Some(&other),
                ..decision
            },
            SignedDecision {
                item_id: ItemId::new_v7(),
                ..decision
            },
            SignedDecision {
                note: None,
                ..decision
            },
        ];
        for changed in tampered {
            assert_eq!(
                envelope.verify(&changed, &public),
                Err(SignatureError::Mismatch)
            );
        }
        let renamed = SignatureEnvelope {
            signer_name: "Someone Else".into(),
            ..envelope.clone()
        };
        assert_eq!(
            renamed.verify(&decision, &public),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            envelope.verify(&decision, &key(2).verifying_key()),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_message_is_canonical_json_with_sorted_keys() {
        let item = item();
        let decision = SignedDecision {
            item_id: item.id,
            decision_id: "6f1c0a52-5d8e-4c1a-9a57-2d2f4d1e9b10"
                .parse()
                .expect("an id"),
            action: Action::Approve,
            correction: None,
            reason_code: None,
            note: None,
        };
        let at = "2026-11-30T05:00:00Z".parse().expect("a time");
        let message = signing_message(&decision, "ab", SignatureMeaning::Approval, "Ana", at);
        assert_eq!(
            String::from_utf8(message).expect("utf-8"),
            "{\"action\":\"approve\",\"content_hash\":\"ab\",\"correction\":null,\
             \"decision_id\":\"6f1c0a52-5d8e-4c1a-9a57-2d2f4d1e9b10\",\
             \"item_id\":\"0192c5a0-0000-7000-8000-000000000001\",\"meaning\":\"approval\",\
             \"note\":null,\"purpose\":\"countersign decision signature v1\",\"reason_code\":null,\
             \"signed_at\":\"2026-11-30T05:00:00Z\",\"signer_name\":\"Ana\"}"
        );
    }

    #[test]
    fn the_content_hash_covers_the_version_countersigned() {
        let mut item = item();
        let before = content_hash(&item);
        item.decisions.push(DecisionRecord {
            by: "ana".into(),
            action: Action::ApproveWithEdits,
            correction: Some(json!({"dose_mg": 4})),
            reason_code: None,
            note: None,
            at: "2026-11-30T05:10:00Z".parse().expect("a time"),
            patch: None,
            rationale: None,
            tags: Vec::new(),
            signature: None,
            blind_judgement: None,
        });
        assert_ne!(content_hash(&item), before);
        assert_eq!(content_hash(&item).len(), 64);
    }
}
