//! Managing users: list them, change role, teams or disabled. Disabling returns the user's
//! leases to the queue at once (through [`crate::leases`]); the last enabled admin can be
//! neither disabled nor demoted.

use countersign_domain::AuditAction;
use countersign_domain::{Role, UserSummary};
use serde_json::json;

use crate::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::{UserError, refuse_team};
use crate::db::parse_wire;
use crate::db::{Db, col};
use crate::error::StoreError;
use crate::leases;
use crate::teams;

/// What `PATCH /v1/users/{name}` may change; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub teams: Option<Vec<String>>,
    pub disabled: Option<bool>,
    /// The name the user's signatures print (docs/protocol.md, "Signatures").
    pub full_name: Option<String>,
}

/// Every user, by name, with their teams.
pub async fn list(db: &Db) -> Result<Vec<UserSummary>, StoreError> {
    let rows = sqlx::query("SELECT name, role, disabled, full_name FROM users ORDER BY name")
        .fetch_all(&db.pool)
        .await?;
    let memberships = sqlx::query("SELECT user_name, team FROM user_teams ORDER BY team")
        .fetch_all(&db.pool)
        .await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = col(&row, "name")?;
        let teams = memberships
            .iter()
            .filter(|membership| {
                col::<String>(membership, "user_name").is_ok_and(|user| user == name)
            })
            .map(|membership| col(membership, "team"))
            .collect::<Result<_, _>>()?;
        users.push(UserSummary {
            role: parse_wire(&col::<String>(&row, "role")?)?,
            disabled: col::<i64>(&row, "disabled")? != 0,
            full_name: col(&row, "full_name")?,
            name,
            teams,
        });
    }
    Ok(users)
}

/// One user as listed, or None.
pub async fn find(db: &Db, name: &str) -> Result<Option<UserSummary>, StoreError> {
    Ok(list(db).await?.into_iter().find(|user| user.name == name))
}

/// The longest full name, in characters.
pub const MAX_FULL_NAME_CHARS: usize = 200;

fn valid_full_name(full_name: &str) -> bool {
    let full_name = full_name.trim();
    !full_name.is_empty()
        && full_name.chars().count() <= MAX_FULL_NAME_CHARS
        && !full_name.chars().any(char::is_control)
}

/// Applies `change` to `name` by `actor`, all or nothing, audited.
pub async fn update(
    state: &AppState,
    actor: &str,
    name: &str,
    change: &UserChange,
) -> Result<UserSummary, UserError> {
    let db = &state.db;
    db.write(|mut tx| async move {
        let now = state.now();
        let lock = db.backend.for_update();
        // Lock every admin row first: two concurrent demotions cannot both see another admin.
        let admins = sqlx::query(&format!(
            "SELECT name FROM users WHERE role = 'admin' AND disabled = 0{lock}"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "SELECT role, disabled FROM users WHERE name = $1{lock}"
        ))
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok((Err(UserError::Unknown(name.to_owned())), tx));
        };
        let role: Role = parse_wire(&col::<String>(&row, "role")?)?;
        let was_disabled = col::<i64>(&row, "disabled")? != 0;
        let new_role = change.role.unwrap_or(role);
        let disabled = change.disabled.unwrap_or(was_disabled);
        let stays_admin = new_role == Role::Admin && !disabled;
        let is_enabled_admin = role == Role::Admin && !was_disabled;
        if is_enabled_admin && !stays_admin && admins.len() <= 1 {
            return Ok((Err(UserError::LastAdmin(name.to_owned())), tx));
        }
        if change
            .full_name
            .as_deref()
            .is_some_and(|full_name| !valid_full_name(full_name))
        {
            return Ok((Err(UserError::BadFullName), tx));
        }
        if let Some(teams) = &change.teams
            && let Err(error) = teams::set_membership(&mut tx, name, teams).await
        {
            return refuse_team(error, tx);
        }
        sqlx::query("UPDATE users SET role = $1, disabled = $2 WHERE name = $3")
            .bind(new_role.as_str())
            .bind(i64::from(disabled))
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if let Some(full_name) = &change.full_name {
            sqlx::query("UPDATE users SET full_name = $1 WHERE name = $2")
                .bind(full_name.trim())
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        let mut events = vec![AuditEvent::new(
            actor,
            AuditAction::UserChanged,
            None,
            json!({"user": name, "role": change.role, "teams": change.teams,
                   "disabled": change.disabled, "full_name": change.full_name}),
        )];
        // A user who may no longer hold work (disabled, moved to a non-reviewing role or out of a
        // team) gives it back; the simplest rule that never leaves work with them: all of it.
        let loses_work = (disabled && !was_disabled)
            || (role.reviews() && !new_role.reviews())
            || (role == Role::Senior && new_role != Role::Senior)
            || change.teams.is_some();
        if loses_work {
            let recipients = leases::return_all_held(&mut tx, name, &mut events).await?;
            audit::append(&mut tx, db.backend, now, &events).await?;
            state.events.announce(db, &mut tx, recipients).await?;
        } else {
            audit::append(&mut tx, db.backend, now, &events).await?;
        }
        Ok((Ok(()), tx))
    })
    .await??;
    find(db, name)
        .await?
        .ok_or_else(|| UserError::Unknown(name.to_owned()))
}

/// The embedded demo's setup: the three demo teams and `senior`, a senior in all of them, so
/// that a newcomer signed in as `senior` sees every kind under `Policy::demo`. Creates what is
/// missing and keeps what exists (an existing user keeps its teams and gains these); returns
/// the new user's token, or None when the user was already there.
pub async fn ensure_demo_senior(
    db: &Db,
    senior: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, UserError> {
    teams::ensure(db, &teams::DEMO_TEAMS, now).await?;
    let demo_teams: Vec<String> = teams::DEMO_TEAMS.map(str::to_owned).to_vec();
    let spec = crate::auth::UserSpec {
        name: senior,
        role: Role::Senior,
        teams: &demo_teams,
        token_expires_at: None,
    };
    match crate::auth::add_user_with(db, &spec, now).await {
        Ok(token) => Ok(Some(token)),
        Err(UserError::Exists(_)) => {
            db.write(|mut tx| {
                let demo_teams = demo_teams.clone();
                async move {
                    let mut joined = teams::of_user(&mut tx, senior).await?;
                    joined.extend(demo_teams);
                    match teams::set_membership(&mut tx, senior, &joined).await {
                        Ok(()) => Ok((Ok(()), tx)),
                        Err(error) => refuse_team(error, tx),
                    }
                }
            })
            .await??;
            Ok(None)
        }
        Err(error) => Err(error),
    }
}
