//! Electronic signatures (docs/protocol.md, "Signatures"): a signer's PIN (stored only as an argon2id
//! hash, wrong tries counted and locking after [`MAX_PIN_FAILURES`]), their devices' public keys, and
//! the check every pushed decision passes, whatever client sent it.

use std::collections::HashMap;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use countersign_domain::signature::{self, MIN_PIN_CHARS, decode_public_key, key_id};
use countersign_domain::{
    AuditAction, Item, Mutation, ResultCode, SignatureError, SignatureRequirement,
};
use ed25519_dalek::VerifyingKey;
use rand::RngCore;
use serde_json::json;

use crate::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::{Tx, col, to_micros};
use crate::error::StoreError;
use crate::teams;

/// Wrong PINs in a row after which signing is locked until an admin unlocks it.
const MAX_PIN_FAILURES: i64 = signature::MAX_PIN_FAILURES as i64;

/// Why a PIN or key request was refused.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("a signing PIN has at least {MIN_PIN_CHARS} characters")]
    PinTooShort,
    #[error("the signing PIN must not equal, contain or be part of your API token")]
    PinLikeToken,
    #[error("wrong signing PIN; {left} more wrong PIN(s) lock signing until an admin unlocks it")]
    WrongPin { left: i64 },
    #[error(
        "signing is locked after {MAX_PIN_FAILURES} wrong PINs; ask an admin to unlock it (`countersign-queue user unlock-signing NAME`)"
    )]
    Locked,
    #[error("set a signing PIN first (PUT /v1/me/signing-pin)")]
    NoPin,
    #[error("{0}")]
    BadKey(#[from] SignatureError),
    #[error("this public key is registered to another user")]
    KeyOfAnotherUser,
    #[error("there is no user named {0:?}")]
    UnknownUser(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Refuses a PIN too short or too close to the API token (docs/protocol.md, "Signatures").
pub fn check_pin_strength(pin: &str, token: &str) -> Result<(), SigningError> {
    if pin.chars().count() < MIN_PIN_CHARS {
        return Err(SigningError::PinTooShort);
    }
    if pin == token || token.contains(pin) || pin.contains(token) {
        return Err(SigningError::PinLikeToken);
    }
    Ok(())
}

async fn hash_pin(pin: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(StoreError::corrupt)?;
        Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(StoreError::corrupt)
    })
    .await
    .map_err(StoreError::corrupt)?
}

async fn pin_matches(pin: String, stored: String) -> Result<bool, StoreError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored).map_err(StoreError::corrupt)?;
        Ok(Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(StoreError::corrupt)?
}

/// A user's signing state as stored.
struct PinState {
    hash: Option<String>,
    locked: bool,
}

async fn pin_state(state: &AppState, user: &str) -> Result<PinState, SigningError> {
    let row = sqlx::query("SELECT signing_pin_hash, signing_locked_at FROM users WHERE name = $1")
        .bind(user)
        .fetch_optional(&state.db.pool)
        .await
        .map_err(StoreError::from)?
        .ok_or_else(|| SigningError::UnknownUser(user.to_owned()))?;
    Ok(PinState {
        hash: col(&row, "signing_pin_hash")?,
        locked: col::<Option<i64>>(&row, "signing_locked_at")?.is_some(),
    })
}

/// Checks `pin` against `user`'s stored PIN; a wrong one is counted (and locks signing at the
/// limit) before the refusal. The hash is compared outside any transaction: argon2 is slow on purpose.
async fn verify_pin(state: &AppState, user: &str, pin: &str) -> Result<(), SigningError> {
    let stored = pin_state(state, user).await?;
    if stored.locked {
        return Err(SigningError::Locked);
    }
    let hash = stored.hash.ok_or(SigningError::NoPin)?;
    if pin_matches(pin.to_owned(), hash.clone()).await? {
        // The lock counts wrong PINs in a row: a right one starts the count again.
        sqlx::query(
            "UPDATE users SET signing_pin_failures = 0 WHERE name = $1 AND signing_pin_failures <> 0",
        )
        .bind(user)
        .execute(&state.db.pool)
        .await
        .map_err(StoreError::from)?;
        return Ok(());
    }
    let now = state.now();
    let db = &state.db;
    let failures = db
        .write(|mut tx| {
            let hash = hash.clone();
            async move {
                let row = sqlx::query(
                    "UPDATE users SET signing_pin_failures = signing_pin_failures + 1 \
                     WHERE name = $1 AND signing_pin_hash = $2 RETURNING signing_pin_failures",
                )
                .bind(user)
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await?;
                let failures = match row {
                    Some(row) => col::<i64>(&row, "signing_pin_failures")?,
                    None => 0,
                };
                let locks = failures >= MAX_PIN_FAILURES;
                if locks {
                    sqlx::query("UPDATE users SET signing_locked_at = $1 WHERE name = $2")
                        .bind(to_micros(now))
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                }
                let event = AuditEvent::new(
                    user,
                    if locks {
                        AuditAction::SigningLocked
                    } else {
                        AuditAction::SigningPinWrong
                    },
                    None,
                    json!({"user": user, "failures": failures}),
                );
                audit::append(&mut tx, db.backend, now, &[event]).await?;
                Ok((failures, tx))
            }
        })
        .await?;
    if failures >= MAX_PIN_FAILURES {
        Err(SigningError::Locked)
    } else {
        Err(SigningError::WrongPin {
            left: MAX_PIN_FAILURES - failures,
        })
    }
}

/// `PUT /v1/me/signing-pin`: sets `pin` for `user` (whose API token is `token`); changing an
/// existing PIN needs the current one.
pub async fn set_pin(
    state: &AppState,
    user: &str,
    token: &str,
    pin: &str,
    current_pin: Option<&str>,
) -> Result<(), SigningError> {
    check_pin_strength(pin, token)?;
    let stored = pin_state(state, user).await?;
    if stored.locked {
        return Err(SigningError::Locked);
    }
    if stored.hash.is_some() {
        verify_pin(state, user, current_pin.unwrap_or_default()).await?;
    }
    let hash = hash_pin(pin.to_owned()).await?;
    let now = state.now();
    let db = &state.db;
    db.write(|mut tx| {
        let hash = hash.clone();
        async move {
            sqlx::query(
                "UPDATE users SET signing_pin_hash = $1, signing_pin_failures = 0 WHERE name = $2",
            )
            .bind(hash)
            .bind(user)
            .execute(&mut *tx)
            .await?;
            let event = AuditEvent::new(
                user,
                AuditAction::SigningPinSet,
                None,
                json!({"user": user}),
            );
            audit::append(&mut tx, db.backend, now, &[event]).await?;
            Ok(((), tx))
        }
    })
    .await?;
    Ok(())
}

/// `POST /v1/me/signing-keys`: registers `public_key` (base64) as one of `user`'s signing keys,
/// after checking their PIN. Returns its key id; registering the same key again is a no-op.
pub async fn register_key(
    state: &AppState,
    user: &str,
    pin: &str,
    public_key: &str,
) -> Result<String, SigningError> {
    let key = decode_public_key(public_key)?;
    verify_pin(state, user, pin).await?;
    let id = key_id(&key);
    let now = state.now();
    let db = &state.db;
    let owner = db
        .write(|mut tx| {
            let id = id.clone();
            async move {
                sqlx::query(
                    "INSERT INTO signing_keys (key_id, user_name, public_key, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (key_id) DO NOTHING",
                )
                .bind(&id)
                .bind(user)
                .bind(public_key)
                .bind(to_micros(now))
                .execute(&mut *tx)
                .await?;
                let owner: String =
                    sqlx::query_scalar("SELECT user_name FROM signing_keys WHERE key_id = $1")
                        .bind(&id)
                        .fetch_one(&mut *tx)
                        .await?;
                if owner == user {
                    let event = AuditEvent::new(
                        user,
                        AuditAction::SigningKeyRegistered,
                        None,
                        json!({"user": user, "key_id": id, "public_key": public_key}),
                    );
                    audit::append(&mut tx, db.backend, now, &[event]).await?;
                }
                Ok((owner, tx))
            }
        })
        .await?;
    if owner != user {
        return Err(SigningError::KeyOfAnotherUser);
    }
    Ok(id)
}

/// Unlocks `user`'s signing after too many wrong PINs (an admin's act, audited).
pub async fn unlock(state: &AppState, actor: &str, user: &str) -> Result<(), SigningError> {
    let now = state.now();
    let db = &state.db;
    let found = db
        .write(|mut tx| async move {
            let updated = sqlx::query(
                "UPDATE users SET signing_pin_failures = 0, signing_locked_at = NULL \
                 WHERE name = $1",
            )
            .bind(user)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Ok((false, tx));
            }
            let event = AuditEvent::new(
                actor,
                AuditAction::SigningUnlocked,
                None,
                json!({"user": user}),
            );
            audit::append(&mut tx, db.backend, now, &[event]).await?;
            Ok((true, tx))
        })
        .await?;
    if found {
        Ok(())
    } else {
        Err(SigningError::UnknownUser(user.to_owned()))
    }
}

/// The name a user's signature prints: their full name, else their login name.
pub(crate) async fn full_name(
    conn: &mut sqlx::AnyConnection,
    user: &str,
) -> Result<String, StoreError> {
    let row = sqlx::query("SELECT full_name FROM users WHERE name = $1")
        .bind(user)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => col::<Option<String>>(&row, "full_name")?,
        None => None,
    }
    .unwrap_or_else(|| user.to_owned()))
}

/// What a push needs to know about its caller as a signer, read once per push.
pub(crate) struct Signer {
    pub full_name: String,
    pub teams: Vec<String>,
    pub locked: bool,
    pub keys: HashMap<String, VerifyingKey>,
}

impl Signer {
    /// A caller whose push carries no signature: nothing about them is needed.
    pub fn unsigned(user: &str) -> Signer {
        Signer {
            full_name: user.to_owned(),
            teams: Vec::new(),
            locked: false,
            keys: HashMap::new(),
        }
    }

    pub async fn load(tx: &mut Tx, user: &str) -> Result<Signer, StoreError> {
        let locked = sqlx::query("SELECT signing_locked_at FROM users WHERE name = $1")
            .bind(user)
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| col::<Option<i64>>(&row, "signing_locked_at"))
            .transpose()?
            .flatten()
            .is_some();
        let mut keys = HashMap::new();
        for row in sqlx::query("SELECT key_id, public_key FROM signing_keys WHERE user_name = $1")
            .bind(user)
            .fetch_all(&mut **tx)
            .await?
        {
            let public_key: String = col(&row, "public_key")?;
            let key = decode_public_key(&public_key).map_err(StoreError::corrupt)?;
            keys.insert(col(&row, "key_id")?, key);
        }
        Ok(Signer {
            full_name: full_name(tx, user).await?,
            teams: teams::of_user(tx, user).await?,
            locked,
            keys,
        })
    }
}

/// Judges a mutation's signature against the item it decides (as it stands before the mutation) and
/// the caller: the rule written once for every client. `Err` carries the rejection.
pub(crate) fn judge(
    mutation: &Mutation,
    item: &Item,
    signer: &Signer,
) -> Result<(), (ResultCode, String)> {
    let requirement = item.signature_required.as_ref();
    let Some(envelope) = &mutation.signature else {
        return match requirement {
            Some(requirement) if SignatureRequirement::applies_to(mutation.action) => Err((
                ResultCode::SignatureRequired,
                format!(
                    "item {} needs an electronic signature meaning {:?} for this decision; sign it with your PIN (countersign-cli decide --sign)",
                    item.id,
                    requirement.meaning.as_str()
                ),
            )),
            _ => Ok(()),
        };
    };
    let invalid = |message: String| Err((ResultCode::SignatureInvalid, message));
    if signer.locked {
        return invalid("your signing is locked after too many wrong PINs".into());
    }
    let Some(key) = signer.keys.get(&envelope.key_id) else {
        return invalid(format!(
            "signing key {} is not registered to you",
            envelope.key_id
        ));
    };
    if envelope.signer_name != signer.full_name {
        return invalid(format!(
            "the signature names {:?}, but your name is {:?}",
            envelope.signer_name, signer.full_name
        ));
    }
    if let Some(requirement) = requirement {
        if envelope.meaning != requirement.meaning {
            return invalid(format!(
                "the signature means {:?}; this item's policy asks for {:?}",
                envelope.meaning.as_str(),
                requirement.meaning.as_str()
            ));
        }
        if let Some(team) = &requirement.signers_team
            && !signer.teams.contains(team)
        {
            return invalid(format!("only members of team {team:?} may sign this item"));
        }
    }
    if envelope.content_hash != signature::content_hash(item) {
        return invalid(format!(
            "the signature is over other content than item {} as it stands",
            item.id
        ));
    }
    envelope
        .verify(&mutation.signed_decision(), key)
        .or_else(|error| invalid(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_too_short_or_like_the_token_are_refused() {
        let token = "cs_abcdefghijklmnop";
        assert!(matches!(
            check_pin_strength("12345", token),
            Err(SigningError::PinTooShort)
        ));
        for bad in [token, "abcdefgh", "xx-cs_abcdefghijklmnop-yy"] {
            assert!(
                matches!(
                    check_pin_strength(bad, token),
                    Err(SigningError::PinLikeToken)
                ),
                "{bad}"
            );
        }
        assert!(check_pin_strength("493817", token).is_ok());
    }
}
