//! The queue's health per team and stage (`GET /v1/queue/health`, the `/metrics` queue gauges):
//! how much undecided work waits, how much of it is held, how old the oldest is, how much is past
//! due. docs/protocol.md ("Queue health") is the contract.

use chrono::{DateTime, Utc};
use countersign_domain::{QueueHealth, QueueHealthRow, Stage};
use strum::VariantArray;

use crate::db::{Db, col, from_micros, parse_wire, to_micros};
use crate::error::StoreError;
use crate::items::OPEN_WORK;

/// One row per team (None: items of no team) and stage with open work (pending items, audits), sorted by team (no
/// team first) then stage in [`Stage`]'s order, as of `now`.
pub async fn of_queue(db: &Db, now: DateTime<Utc>) -> Result<QueueHealth, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT team, stage, COUNT(*) AS depth, \
         COALESCE(SUM(CASE WHEN holder IS NOT NULL THEN 1 ELSE 0 END), 0) AS held, \
         MIN(created_at) AS oldest_created_at, \
         COALESCE(SUM(CASE WHEN status = 'pending' AND due_at < $1 THEN 1 ELSE 0 END), 0) \
         AS past_due FROM items WHERE {OPEN_WORK} GROUP BY team, stage"
    ))
    .bind(to_micros(now))
    .fetch_all(&db.pool)
    .await?;
    let mut health = rows
        .iter()
        .map(|row| {
            Ok(QueueHealthRow {
                team: col(row, "team")?,
                stage: parse_wire(&col::<String>(row, "stage")?)?,
                depth: col(row, "depth")?,
                held: col(row, "held")?,
                oldest_created_at: col::<Option<i64>>(row, "oldest_created_at")?.map(from_micros),
                past_due: col(row, "past_due")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Sorted here rather than in SQL: PostgreSQL's collation and NULL order differ from SQLite's.
    let stage_rank = |stage: Stage| Stage::VARIANTS.iter().position(|known| *known == stage);
    health.sort_by(|a, b| {
        (a.team.as_deref(), stage_rank(a.stage)).cmp(&(b.team.as_deref(), stage_rank(b.stage)))
    });
    Ok(QueueHealth {
        rows: health,
        server_time: now,
    })
}
