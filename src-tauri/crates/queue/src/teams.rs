//! Teams: named groups of users. A policy rule's `team` offers its items only to the team's
//! members and their escalations only to its seniors (docs/protocol.md, "Teams").

use countersign_domain::Role;

use crate::db::{Db, Tx, col, to_micros};
use crate::error::StoreError;

/// What a team name may be; said when one is refused.
pub const NAME_RULE: &str =
    "team names are 1 to 64 characters of lowercase letters, digits, '.', '_' or '-'";

/// The demo's teams, in the order of the demo kinds they serve (transaction, content_draft,
/// clinical_suggestion): `Policy::demo` routes each kind to one.
pub const DEMO_TEAMS: [&str; 3] = ["fraud", "editorial", "clinical"];

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("{NAME_RULE}")]
    BadName,
    #[error("a team named {0:?} already exists")]
    Exists(String),
    #[error("there is no team named {0:?}; create it with `countersign-queue team add {0}`")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// The one rule of which items a user's teams let them take or see: an item of no team, or of one of
/// theirs. SQL over the items table aliased `item`, the user's name bound as the parameter `user`.
pub(crate) fn admits(item: &str, user: &str) -> String {
    format!(
        "({item}.team IS NULL OR {item}.team IN (SELECT team FROM user_teams WHERE user_name = {user}))"
    )
}

/// The one rule of who may ask about an item (its related items, its history; docs/protocol.md
/// "Related items", "Item history"): an admin about any item; a senior about an item their teams
/// admit; anyone else about an item they hold or held that their teams admit. SQL over the items
/// table aliased `item`, the caller's name bound as the parameter `user`; `None` for an admin (no
/// condition and nothing to bind).
pub(crate) fn may_ask_about(role: Role, item: &str, user: &str) -> Option<String> {
    match role {
        Role::Admin => None,
        Role::Senior => Some(admits(item, user)),
        _ => Some(format!(
            "EXISTS (SELECT 1 FROM leases l WHERE l.item_id = {item}.id AND l.holder = {user}) AND {}",
            admits(item, user)
        )),
    }
}

/// Creates a team.
pub async fn add(db: &Db, name: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), TeamError> {
    if !valid_name(name) {
        return Err(TeamError::BadName);
    }
    let inserted = sqlx::query(
        "INSERT INTO teams (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(to_micros(now))
    .execute(&db.pool)
    .await
    .map_err(StoreError::from)?;
    if inserted.rows_affected() == 0 {
        return Err(TeamError::Exists(name.to_owned()));
    }
    Ok(())
}

/// Creates each team that does not exist yet.
pub async fn ensure(
    db: &Db,
    names: &[&str],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), TeamError> {
    for name in names {
        match add(db, name, now).await {
            Ok(()) | Err(TeamError::Exists(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Every team, by name.
pub async fn names(db: &Db) -> Result<Vec<String>, StoreError> {
    sqlx::query("SELECT name FROM teams ORDER BY name")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| col(row, "name"))
        .collect()
}

/// The teams `user` belongs to, by name.
pub(crate) async fn of_user(
    conn: &mut sqlx::AnyConnection,
    user: &str,
) -> Result<Vec<String>, StoreError> {
    sqlx::query("SELECT team FROM user_teams WHERE user_name = $1 ORDER BY team")
        .bind(user)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| col(row, "team"))
        .collect()
}

/// Refuses the first of `teams` that does not exist.
pub(crate) async fn require_known(tx: &mut Tx, teams: &[String]) -> Result<(), TeamError> {
    for team in teams {
        let found = sqlx::query("SELECT name FROM teams WHERE name = $1")
            .bind(team)
            .fetch_optional(&mut **tx)
            .await
            .map_err(StoreError::from)?;
        if found.is_none() {
            return Err(TeamError::Unknown(team.clone()));
        }
    }
    Ok(())
}

/// Makes `user` a member of exactly `teams`; refuses a team that does not exist, changing
/// nothing.
pub(crate) async fn set_membership(
    tx: &mut Tx,
    user: &str,
    teams: &[String],
) -> Result<(), TeamError> {
    require_known(tx, teams).await?;
    sqlx::query("DELETE FROM user_teams WHERE user_name = $1")
        .bind(user)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from)?;
    let mut unique: Vec<&String> = teams.iter().collect();
    unique.sort();
    unique.dedup();
    for team in unique {
        sqlx::query("INSERT INTO user_teams (user_name, team) VALUES ($1, $2)")
            .bind(user)
            .bind(team)
            .execute(&mut **tx)
            .await
            .map_err(StoreError::from)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in DEMO_TEAMS.into_iter().chain(["a", "team-2", "x.y_z"]) {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "Fraud", "has space", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
