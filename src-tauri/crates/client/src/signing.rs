//! This device's electronic signing key (docs/protocol.md, "Signatures"). On first use with a PIN the
//! device makes an Ed25519 key, registers its public key with the queue (which checks the PIN) and
//! keeps the private key in the OS keyring sealed by the PIN: an argon2id-derived key and
//! XChaCha20-Poly1305. Signing then works offline: the PIN unseals the key. Wrong PINs are counted
//! here too; at [`MAX_PIN_FAILURES`] the sealed key is destroyed and the next signature registers a
//! new one online, where the queue counts the tries.

use argon2::Argon2;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use countersign_domain::Me;
use countersign_domain::signature::{MAX_PIN_FAILURES, encode_public_key, key_id};
use ed25519_dalek::SigningKey;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::remote::{QueueClient, RemoteError};
use crate::secrets::{CredentialError, Secrets};

/// Why this device cannot sign.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error(
        "wrong signing PIN; {left} more wrong PIN(s) and this device must register its key again online"
    )]
    WrongPin { left: u32 },
    #[error(
        "too many wrong signing PINs on this device; its key was destroyed: sign again while online to register a new one"
    )]
    Locked,
    #[error(
        "this device has no signing key yet: sign once while online (or set your PIN) to register one"
    )]
    NoKey,
    #[error("the sealed signing key in the keyring is damaged: {0}")]
    Damaged(String),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// The private key as the keyring keeps it, sealed by the PIN. Never holds the PIN or the plain key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    pub key_id: String,
    /// Whose key it is, and the name their signatures printed when it was sealed: what an offline
    /// signature prints.
    pub user: String,
    pub signer_name: String,
    /// Base64 of the 16-byte argon2id salt, the 24-byte nonce and the sealed 32-byte key.
    salt: String,
    nonce: String,
    sealed: String,
    /// Wrong PINs in a row on this device.
    wrong_pins: u32,
}

fn cipher(pin: &str, salt: &[u8]) -> Result<XChaCha20Poly1305, SigningError> {
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(pin.as_bytes(), salt, &mut key)
        .map_err(|error| SigningError::Damaged(error.to_string()))?;
    Ok(XChaCha20Poly1305::new(&key.into()))
}

fn decode(field: &str) -> Result<Vec<u8>, SigningError> {
    STANDARD
        .decode(field)
        .map_err(|error| SigningError::Damaged(error.to_string()))
}

impl SealedKey {
    /// Seals `me`'s `key` under `pin`.
    pub fn seal(key: &SigningKey, me: &Me, pin: &str) -> Result<SealedKey, SigningError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher(pin, &salt)?
            .encrypt(XNonce::from_slice(&nonce), key.to_bytes().as_slice())
            .map_err(|error| SigningError::Damaged(error.to_string()))?;
        Ok(SealedKey {
            key_id: key_id(&key.verifying_key()),
            user: me.name.clone(),
            signer_name: signer_name(me),
            salt: STANDARD.encode(salt),
            nonce: STANDARD.encode(nonce),
            sealed: STANDARD.encode(sealed),
            wrong_pins: 0,
        })
    }

    /// The key, when `pin` is the one it was sealed with; a wrong PIN is counted.
    pub fn open(&mut self, pin: &str) -> Result<SigningKey, SigningError> {
        if self.wrong_pins >= MAX_PIN_FAILURES {
            return Err(SigningError::Locked);
        }
        let nonce: [u8; 24] = decode(&self.nonce)?
            .try_into()
            .map_err(|_| SigningError::Damaged("the nonce is not 24 bytes".into()))?;
        let opened = cipher(pin, &decode(&self.salt)?)?
            .decrypt(XNonce::from_slice(&nonce), decode(&self.sealed)?.as_slice());
        let Ok(bytes) = opened else {
            self.wrong_pins += 1;
            return Err(if self.wrong_pins >= MAX_PIN_FAILURES {
                SigningError::Locked
            } else {
                SigningError::WrongPin {
                    left: MAX_PIN_FAILURES - self.wrong_pins,
                }
            });
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SigningError::Damaged("the key is not 32 bytes".into()))?;
        self.wrong_pins = 0;
        Ok(SigningKey::from_bytes(&bytes))
    }
}

/// A new random signing key.
pub fn new_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

/// What signs a decision: the unsealed key and the name the signature prints.
pub struct DecisionSigner {
    pub key: SigningKey,
    pub signer_name: String,
}

/// The name `me`'s signatures print: their full name, else their login name.
pub fn signer_name(me: &Me) -> String {
    me.full_name.clone().unwrap_or_else(|| me.name.clone())
}

fn load(secrets: &dyn Secrets, server_url: &str) -> Result<Option<SealedKey>, SigningError> {
    secrets
        .signing_key(server_url)?
        .map(|text| {
            serde_json::from_str(&text).map_err(|error| SigningError::Damaged(error.to_string()))
        })
        .transpose()
}

fn keep(secrets: &dyn Secrets, server_url: &str, sealed: &SealedKey) -> Result<(), SigningError> {
    let text =
        serde_json::to_string(sealed).map_err(|error| SigningError::Damaged(error.to_string()))?;
    Ok(secrets.store_signing_key(server_url, &text)?)
}

/// Makes a new key for `me` on this device, registers it with the queue under `pin` (which the
/// queue checks and counts) and keeps it sealed by `pin` (one per queue, as the token is).
pub async fn enroll(
    remote: &QueueClient,
    secrets: &dyn Secrets,
    me: &Me,
    pin: &str,
) -> Result<DecisionSigner, SigningError> {
    let key = new_key();
    remote
        .register_signing_key(&encode_public_key(&key.verifying_key()), pin)
        .await?;
    keep(
        secrets,
        remote.server_url(),
        &SealedKey::seal(&key, me, pin)?,
    )?;
    Ok(DecisionSigner {
        key,
        signer_name: signer_name(me),
    })
}

/// Unseals this device's key for the queue at `server_url` (as [`QueueClient::server_url`] spells
/// it) with `pin`, offline, with whose key it is. The count of wrong PINs is kept in the keyring; at
/// the limit the sealed key is destroyed.
pub fn unlock(
    secrets: &dyn Secrets,
    server_url: &str,
    pin: &str,
) -> Result<(SigningKey, SealedKey), SigningError> {
    let mut sealed = load(secrets, server_url)?.ok_or(SigningError::NoKey)?;
    let opened = sealed.open(pin);
    match &opened {
        Err(SigningError::Locked) => secrets.forget_signing_key(server_url)?,
        Ok(_) | Err(SigningError::WrongPin { .. }) => keep(secrets, server_url, &sealed)?,
        Err(_) => {}
    }
    Ok((opened?, sealed))
}

/// What signs for `me` (None: not known here; the key's own record says) with `pin`: this device's
/// key, unsealed offline; when there is none yet, it was destroyed or it is another user's, a new
/// one registered through `remote`, which needs the queue to answer.
pub async fn signer(
    remote: &QueueClient,
    secrets: &dyn Secrets,
    me: Option<&Me>,
    pin: &str,
) -> Result<DecisionSigner, SigningError> {
    match unlock(secrets, remote.server_url(), pin) {
        Ok((key, sealed)) if me.is_none_or(|me| me.name == sealed.user) => Ok(DecisionSigner {
            key,
            signer_name: me.map_or(sealed.signer_name, signer_name),
        }),
        Ok(_) | Err(SigningError::NoKey | SigningError::Locked) => {
            let me = match me {
                Some(me) => me.clone(),
                None => remote.me().await?,
            };
            enroll(remote, secrets, &me, pin).await
        }
        Err(error) => Err(error),
    }
}

/// Sets `me`'s signing PIN on the queue (`current`: the one set before, if any) and registers a new
/// key for this device sealed by it.
pub async fn set_pin(
    remote: &QueueClient,
    secrets: &dyn Secrets,
    me: &Me,
    pin: &str,
    current: Option<&str>,
) -> Result<(), SigningError> {
    remote.set_signing_pin(pin, current).await?;
    enroll(remote, secrets, me, pin).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_pin_opens_a_wrong_one_is_counted_and_locks() {
        let key = new_key();
        let me = Me {
            name: "ana".into(),
            role: countersign_domain::Role::Reviewer,
            teams: vec![],
            full_name: Some("Ana Ruiz".into()),
        };
        let mut sealed = SealedKey::seal(&key, &me, "493817").expect("sealed");
        assert_eq!(sealed.signer_name, "Ana Ruiz");
        assert_eq!(sealed.key_id, key_id(&key.verifying_key()));
        let text = serde_json::to_string(&sealed).expect("json");
        assert!(!text.contains("493817"), "the PIN is never kept");
        assert_eq!(
            sealed.open("493817").expect("opens").to_bytes(),
            key.to_bytes()
        );
        for left in (1..MAX_PIN_FAILURES).rev() {
            assert!(matches!(
                sealed.open("000000"),
                Err(SigningError::WrongPin { left: l }) if l == left
            ));
        }
        // The right PIN resets the count before the limit.
        assert!(sealed.open("493817").is_ok());
        for _ in 1..MAX_PIN_FAILURES {
            assert!(sealed.open("111111").is_err());
        }
        assert!(matches!(sealed.open("111111"), Err(SigningError::Locked)));
        assert!(
            matches!(sealed.open("493817"), Err(SigningError::Locked)),
            "locked even for the right PIN"
        );
    }
}
