//! Reviewer fatigue (docs/protocol.md, "Reviewer fatigue"): each reviewer's recent decisions read
//! back from `decisions` and judged by the domain crate's formulas, for the seniors' report
//! (`GET /v1/stats/fatigue`) and for the policy's `fatigue_hold_high_risk` at lease grants.

use chrono::{DateTime, Duration, Utc};
use countersign_domain::fatigue::{
    self, DecisionEvent, FatigueReport, FatigueVerdict, ReviewerFatigue,
};
use sqlx::AnyConnection;

use super::{Scope, bind_teams};
use crate::db::{Db, col, from_micros, parse_wire, to_micros};
use crate::error::StoreError;
use crate::teams;

/// How far back a reviewer's decisions are read: enough for a baseline per kind.
pub const HISTORY_DAYS: i64 = 30;
/// At most this many of a reviewer's latest decisions are read.
pub const HISTORY_LIMIT: i64 = 2_000;

/// The report at `now` on the reviewers and seniors in `scope` (an admin's: all; a senior's: the
/// members of their teams, themselves included).
pub async fn report(
    db: &Db,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<FatigueReport, StoreError> {
    let mut conn = db.pool.acquire().await?;
    let team_filter = match scope {
        Scope::Everything => String::new(),
        Scope::Teams(_) => format!(
            " AND name IN (SELECT user_name FROM user_teams WHERE {})",
            scope.condition("team", 1).0
        ),
    };
    let sql = format!(
        "SELECT name FROM users WHERE disabled = 0 AND role IN ('reviewer', 'senior'){team_filter} \
         ORDER BY name"
    );
    let query = bind_teams(sqlx::query(&sql), scope.condition("team", 1).1);
    let names: Vec<String> = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| col(row, "name"))
        .collect::<Result<_, _>>()?;
    let mut reviewers = Vec::with_capacity(names.len());
    for name in names {
        let history = decisions_of(&mut conn, &name, now).await?;
        reviewers.push(ReviewerFatigue {
            teams: teams::of_user(&mut conn, &name).await?,
            signals: fatigue::assess(&history, now),
            name,
        });
    }
    Ok(FatigueReport {
        reviewers,
        generated_at: now,
    })
}

/// `user`'s verdict at `now`.
pub(crate) async fn verdict_of(
    conn: &mut AnyConnection,
    user: &str,
    now: DateTime<Utc>,
) -> Result<FatigueVerdict, StoreError> {
    let history = decisions_of(conn, user, now).await?;
    Ok(fatigue::assess(&history, now).verdict)
}

/// `user`'s decisions of the last [`HISTORY_DAYS`] days (at most [`HISTORY_LIMIT`], the latest), as
/// the formulas read them: decided at the client's time when it said, else the server's.
async fn decisions_of(
    conn: &mut AnyConnection,
    user: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DecisionEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.kind, d.action, d.opened_at, d.decided_at, d.at, d.reading_chars \
         FROM decisions d JOIN items i ON i.id = d.item_id \
         WHERE d.by_user = $1 AND d.at >= $2 ORDER BY d.at DESC LIMIT $3",
    )
    .bind(user)
    .bind(to_micros(now - Duration::days(HISTORY_DAYS)))
    .bind(HISTORY_LIMIT)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let at: i64 = col(row, "at")?;
            Ok(DecisionEvent {
                kind: col(row, "kind")?,
                action: parse_wire(&col::<String>(row, "action")?)?,
                opened_at: col::<Option<i64>>(row, "opened_at")?.map(from_micros),
                decided_at: from_micros(col::<Option<i64>>(row, "decided_at")?.unwrap_or(at)),
                reading_chars: col::<Option<i64>>(row, "reading_chars")?
                    .and_then(|chars| u64::try_from(chars).ok())
                    .unwrap_or(0),
            })
        })
        .collect()
}
