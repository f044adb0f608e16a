//! The oversight statistics (docs/protocol.md, "Statistics endpoints"): the one rule of who may read
//! them and which teams a report covers ([`scope_of`]), and the window a report covers
//! ([`Window::parse`]). Each report is a module here; every rate in one is a `RateEstimate`.

pub mod blind;
pub mod fatigue;
pub mod gold;
pub mod overview;
pub mod thresholds;
pub mod totals;

use chrono::{DateTime, Utc};
use countersign_domain::Role;

use crate::auth::Caller;
use crate::db::Db;
use crate::error::StoreError;
use crate::teams;

/// The join of a decided item with its deciding decision (its last one) recorded between `$2` and
/// `$3` (microseconds); `$1` binds the decided status. The one definition of "decided, and when"
/// the reports and the `/metrics` totals share. Gold copies are left out: they are scored in the
/// gold report, not counted as work.
pub(crate) const DECIDED: &str = "FROM items i JOIN decisions d ON d.item_id = i.id \
     WHERE i.status = $1 AND i.gold_id IS NULL AND d.at >= $2 AND d.at <= $3 \
     AND d.seq = (SELECT MAX(last.seq) FROM decisions last WHERE last.item_id = i.id)";

/// How far back a report looks when the caller names no `since`.
pub const DEFAULT_WINDOW_DAYS: i64 = 30;

/// Why a statistics request is refused.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(
        "statistics are for seniors (their teams' work) and admins (all of it); your token's role is {0}"
    )]
    NotAllowed(Role),
    #[error("since must be an RFC 3339 time before now, such as 2026-11-01T00:00:00Z; got {0:?}")]
    BadSince(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which items a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An admin's: every item, those of no team included.
    Everything,
    /// A senior's: the items of these teams only.
    Teams(Vec<String>),
}

impl Scope {
    /// The SQL condition that keeps rows whose team (the expression `column`) is in scope, its
    /// parameters numbered from `$first`, and the values to bind to them in order.
    pub(crate) fn condition(&self, column: &str, first: usize) -> (String, &[String]) {
        match self {
            Scope::Everything => ("1 = 1".to_owned(), &[]),
            Scope::Teams(teams) if teams.is_empty() => ("1 = 0".to_owned(), &[]),
            Scope::Teams(teams) => (
                format!(
                    "{column} IN ({})",
                    crate::db::placeholders(first, teams.len())
                ),
                teams,
            ),
        }
    }

    /// Whether a row of `team` (None: no team) is in scope.
    pub fn covers(&self, team: Option<&str>) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Teams(teams) => team.is_some_and(|team| teams.iter().any(|own| own == team)),
        }
    }
}

/// A query of the sqlx `Any` driver, as the reports build them.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the teams of a [`Scope::condition`] to `query`, in order, after what it already binds.
pub(crate) fn bind_teams<'q>(mut query: AnyQuery<'q>, teams: &'q [String]) -> AnyQuery<'q> {
    for team in teams {
        query = query.bind(team.as_str());
    }
    query
}

/// The one rule of who may read statistics: admins everything, seniors their teams' items,
/// everyone else nothing.
pub async fn scope_of(db: &Db, caller: &Caller) -> Result<Scope, StatsError> {
    match caller.role {
        Role::Admin => Ok(Scope::Everything),
        Role::Senior => {
            let mut conn = db.pool.acquire().await.map_err(StoreError::from)?;
            Ok(Scope::Teams(teams::of_user(&mut conn, &caller.name).await?))
        }
        Role::Reviewer | Role::Producer => Err(StatsError::NotAllowed(caller.role)),
    }
}

/// The time a report covers: from `since` up to `until` (the request's time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Window {
    /// The window from `since` (RFC 3339; [`DEFAULT_WINDOW_DAYS`] before `now` when absent) to
    /// `now`; a `since` that does not parse or is not before `now` is refused.
    pub fn parse(since: Option<&str>, now: DateTime<Utc>) -> Result<Window, StatsError> {
        let since = match since {
            None => now - chrono::Duration::days(DEFAULT_WINDOW_DAYS),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|time| time.with_timezone(&Utc))
                .ok()
                .filter(|since| *since < now)
                .ok_or_else(|| StatsError::BadSince(text.to_owned()))?,
        };
        Ok(Window { since, until: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_defaults_to_thirty_days_and_refuses_bad_starts() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .map(|time| time.with_timezone(&Utc))
            .expect("a time");
        let window = Window::parse(None, now).expect("the default window");
        assert_eq!(window.since, now - chrono::Duration::days(30));
        assert_eq!(window.until, now);
        let named = Window::parse(Some("2026-11-01T00:00:00+01:00"), now).expect("a past time");
        assert_eq!(named.since.to_rfc3339(), "2026-10-31T23:00:00+00:00");
        for bad in [
            "yesterday",
            "2026-12-01T00:00:00Z",
            "2026-11-30T10:00:00Z",
            "",
        ] {
            assert!(
                matches!(Window::parse(Some(bad), now), Err(StatsError::BadSince(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_scope_keeps_its_teams_only() {
        let teams = Scope::Teams(vec!["fraud".into(), "clinical".into()]);
        assert!(teams.covers(Some("fraud")));
        assert!(!teams.covers(Some("editorial")));
        assert!(
            !teams.covers(None),
            "items of no team are an admin's to see"
        );
        assert!(Scope::Everything.covers(None));
        assert_eq!(
            teams.condition("i.team", 3),
            (
                "i.team IN ($3, $4)".to_owned(),
                &["fraud".to_owned(), "clinical".to_owned()][..]
            )
        );
        assert_eq!(Scope::Teams(Vec::new()).condition("team", 1).0, "1 = 0");
        assert_eq!(Scope::Everything.condition("team", 1).1.len(), 0);
    }
}
