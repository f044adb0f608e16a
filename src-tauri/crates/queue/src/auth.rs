//! Users and bearer tokens. Tokens are shown once and stored only as SHA-256 hashes; a token
//! may carry an expiry, and a disabled user's token is refused at once. Listing and changing
//! users (role, teams, disabled) is in [`crate::users`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_domain::AuditAction;
use countersign_domain::{IssuedToken, Role};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use chrono::{DateTime, Utc};

use crate::audit::{self, AuditEvent};
use crate::clock::{Clock, SystemClock};
use crate::db::{Db, col, parse_wire, to_micros};
use crate::error::StoreError;
use crate::teams::{self, TeamError};

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
    Team(#[from] TeamError),
    #[error("a full name is 1 to 200 characters, none of them control characters")]
    BadFullName,
    #[error("{0:?} is the last enabled admin; make another admin first")]
    LastAdmin(String),
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

/// Ends a write transaction refused for a team: a storage failure rolls it back, a refusal
/// (unknown team) is the answer.
pub(crate) fn refuse_team<T>(
    error: TeamError,
    tx: crate::db::Tx,
) -> Result<(Result<T, UserError>, crate::db::Tx), StoreError> {
    match error {
        TeamError::Store(store) => Err(store),
        refused => Ok((Err(UserError::Team(refused)), tx)),
    }
}

/// A user to create.
pub struct UserSpec<'a> {
    pub name: &'a str,
    pub role: Role,
    pub teams: &'a [String],
    /// When the token stops working; None: never.
    pub token_expires_at: Option<DateTime<Utc>>,
}

/// Creates a user and returns its token, the only time it is ever visible.
pub async fn add_user(
    db: &Db,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<String, UserError> {
    let spec = UserSpec {
        name,
        role,
        teams: &[],
        token_expires_at: None,
    };
    add_user_with(db, &spec, now).await
}

/// Creates a user in its teams (all must exist) and returns its token, shown this once.
pub async fn add_user_with(
    db: &Db,
    spec: &UserSpec<'_>,
    now: DateTime<Utc>,
) -> Result<String, UserError> {
    if !valid_name(spec.name) {
        return Err(UserError::BadName);
    }
    let token = new_token();
    let hash = hash_token(&token);
    db.write(|mut tx| {
        let hash = hash.clone();
        async move {
            // Checked before anything is written: a refusal commits nothing.
            if let Err(error) = teams::require_known(&mut tx, spec.teams).await {
                return refuse_team(error, tx);
            }
            let inserted = sqlx::query(
                "INSERT INTO users (name, role, token_hash, created_at, token_expires_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
            )
            .bind(spec.name)
            .bind(spec.role.as_str())
            .bind(hash)
            .bind(to_micros(now))
            .bind(spec.token_expires_at.map(to_micros))
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Ok((Err(UserError::Exists(spec.name.to_owned())), tx));
            }
            if let Err(error) = teams::set_membership(&mut tx, spec.name, spec.teams).await {
                return refuse_team(error, tx);
            }
            Ok((Ok(()), tx))
        }
    })
    .await??;
    Ok(token)
}

/// Creates `name` with `role` unless a user of that name exists (its role is left as it is).
/// Returns the new user's token, or None when the user was already there.
pub async fn ensure_user(
    db: &Db,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Option<String>, UserError> {
    match add_user(db, name, role, now).await {
        Ok(token) => Ok(Some(token)),
        Err(UserError::Exists(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Gives a user a new token (returned, shown once) that never expires; the old one stops
/// working at once. Audited with the actor `system`.
pub async fn rotate_token(db: &Db, name: &str) -> Result<String, UserError> {
    Ok(issue_token(db, "system", name, None, SystemClock.now())
        .await?
        .token)
}

/// Gives `name` a new token working until `expires_at` (None: for ever) by `actor`, audited, and
/// returns it (shown this once): every older token of the user stops working at once. A disabled
/// user may be given one; it is refused like any of theirs until the user is enabled. The one
/// path for `POST /v1/users/{name}/token` and `countersign-queue user token`.
pub async fn issue_token(
    db: &Db,
    actor: &str,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<IssuedToken, UserError> {
    let token = new_token();
    let hash = hash_token(&token);
    db.write(|mut tx| {
        let hash = hash.clone();
        async move {
            let updated = sqlx::query(
                "UPDATE users SET token_hash = $1, token_expires_at = $2 WHERE name = $3",
            )
            .bind(hash)
            .bind(expires_at.map(to_micros))
            .bind(name)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Ok((Err(UserError::Unknown(name.to_owned())), tx));
            }
            let event = AuditEvent::new(
                actor,
                AuditAction::TokenIssued,
                None,
                json!({"user": name, "expires_at": expires_at}),
            );
            audit::append(&mut tx, db.backend, now, &[event]).await?;
            Ok((Ok(()), tx))
        }
    })
    .await??;
    Ok(IssuedToken {
        name: name.to_owned(),
        token,
        expires_at,
    })
}

/// Why a token was refused (all answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("unknown token")]
    Unknown,
    #[error("this token has expired; ask an admin for a new one")]
    Expired,
    #[error("this user is disabled")]
    Disabled,
}

/// The user a token belongs to, if any, as of now.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Caller>, StoreError> {
    Ok(authenticate_at(db, token, SystemClock.now()).await?.ok())
}

/// The user a token belongs to at `now`: refused when unknown, expired or disabled.
pub async fn authenticate_at(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<Caller, TokenRefusal>, StoreError> {
    let row = sqlx::query(
        "SELECT name, role, disabled, token_expires_at FROM users WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if col::<i64>(&row, "disabled")? != 0 {
        return Ok(Err(TokenRefusal::Disabled));
    }
    if col::<Option<i64>>(&row, "token_expires_at")?.is_some_and(|at| at <= to_micros(now)) {
        return Ok(Err(TokenRefusal::Expired));
    }
    Ok(Ok(Caller {
        name: col(&row, "name")?,
        role: parse_wire(&col::<String>(&row, "role")?)?,
    }))
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
