//! Users and bearer tokens. Tokens are shown once and stored only as SHA-256 hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_domain::Role;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Db, col, parse_wire, to_micros};
use crate::error::StoreError;

const TOKEN_PREFIX: &str = "cs_";

/// The authenticated user behind a request's bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user named {0:?} already exists")]
    Exists(String),
    #[error("there is no user named {0:?}")]
    Unknown(String),
    #[error("user names are 1 to 64 characters of letters, digits, '.', '_', '-' or '@'")]
    BadName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

fn new_token() -> String {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret))
}

/// Creates a user and returns its token, the only time it is ever visible.
pub async fn add_user(
    db: &Db,
    name: &str,
    role: Role,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, UserError> {
    if !valid_name(name) {
        return Err(UserError::BadName);
    }
    let token = new_token();
    let inserted = sqlx::query(
        "INSERT INTO users (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(role.as_str())
    .bind(hash_token(&token))
    .bind(to_micros(now))
    .execute(&db.pool)
    .await
    .map_err(StoreError::from)?;
    if inserted.rows_affected() == 0 {
        return Err(UserError::Exists(name.to_owned()));
    }
    Ok(token)
}

/// Creates `name` with `role` unless a user of that name exists (its role is left as it is).
/// Returns the new user's token, or None when the user was already there.
pub async fn ensure_user(
    db: &Db,
    name: &str,
    role: Role,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, UserError> {
    match add_user(db, name, role, now).await {
        Ok(token) => Ok(Some(token)),
        Err(UserError::Exists(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Gives a user a new token (returned, shown once); the old one stops working at once.
pub async fn rotate_token(db: &Db, name: &str) -> Result<String, UserError> {
    let token = new_token();
    let updated = sqlx::query("UPDATE users SET token_hash = $1 WHERE name = $2")
        .bind(hash_token(&token))
        .bind(name)
        .execute(&db.pool)
        .await
        .map_err(StoreError::from)?;
    if updated.rows_affected() == 0 {
        return Err(UserError::Unknown(name.to_owned()));
    }
    Ok(token)
}

/// The user a token belongs to, if any.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Caller>, StoreError> {
    let row = sqlx::query("SELECT name, role FROM users WHERE token_hash = $1")
        .bind(hash_token(token))
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| {
        Ok(Caller {
            name: col(&row, "name")?,
            role: parse_wire(&col::<String>(&row, "role")?)?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["ana", "a.b-c_d@example.org", "x"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "has space", "semi;colon", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
