//! Applying a pull: the planner's answer written in the transaction that read the local state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use countersign_domain::{ItemId, PullResponse};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::codec::{as_i64, parse, risk_rank, timestamp, to_json, wire_name};
use super::notices::mark_raised;
use super::{Store, StoreError};
use crate::model::AssignmentStatus;
use crate::plan::{self, LocalAssignment, NotifyRequest, Upsert};

/// What a pull changed locally.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullApplied {
    pub upserted: usize,
    pub removed: usize,
    pub kept_with_unsent_decision: usize,
    /// Not raised before for these items: the caller sends them.
    pub notify: Vec<NotifyRequest>,
}

impl Store {
    /// Applies a pull: plans against the local state and writes the plan in the same transaction, so a
    /// decision made meanwhile by another process can never be overwritten or taken out.
    pub async fn apply_pull(
        &self,
        response: &PullResponse,
        full_snapshot: bool,
        now: DateTime<Utc>,
        due_soon_within: chrono::Duration,
    ) -> Result<PullApplied, StoreError> {
        let mut tx = self.begin_immediate().await?;
        let local = local_index(&mut tx).await?;
        let plan = plan::plan_pull(&local, response, full_snapshot, now, due_soon_within);
        let pulled_at = timestamp(now);
        write_assignments(&mut tx, &plan.upserts, &pulled_at).await?;
        let mut result = PullApplied {
            upserted: plan.upserts.len(),
            ..PullApplied::default()
        };
        for item_id in &plan.delete {
            // The status guard repeats the plan's rule in SQL, as a last line of defence.
            let deleted =
                sqlx::query("DELETE FROM assignments WHERE item_id = ? AND status IN (?, ?, ?)")
                    .bind(item_id.to_string())
                    .bind(AssignmentStatus::Open.as_str())
                    .bind(AssignmentStatus::Uploaded.as_str())
                    .bind(AssignmentStatus::Rejected.as_str())
                    .execute(&mut *tx)
                    .await?;
            result.removed += usize::try_from(deleted.rows_affected()).unwrap_or(0);
        }
        for (item_id, reason) in &plan.keep_marked_removed {
            sqlx::query("UPDATE assignments SET removed_reason = ? WHERE item_id = ?")
                .bind(reason.as_str())
                .bind(item_id.to_string())
                .execute(&mut *tx)
                .await?;
            result.kept_with_unsent_decision += 1;
        }
        for request in plan.notify {
            if mark_raised(&mut tx, &request, &pulled_at).await? {
                result.notify.push(request);
            }
        }
        sqlx::query("UPDATE sync_state SET cursor = ?, last_sync = ? WHERE id = 1")
            .bind(&response.cursor)
            .bind(&pulled_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(result)
    }
}

async fn local_index(
    conn: &mut SqliteConnection,
) -> Result<HashMap<ItemId, LocalAssignment>, StoreError> {
    let rows = sqlx::query("SELECT item_id, status, lease_id FROM assignments")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse("item id", row.try_get("item_id")?)?,
                LocalAssignment {
                    status: parse("status", row.try_get("status")?)?,
                    lease_id: parse("lease id", row.try_get("lease_id")?)?,
                },
            ))
        })
        .collect()
}

/// Rows per multi-row upsert: 16 binds a row stays far below SQLite's 32,766 variables, and a cold
/// sync of 10,000 assignments takes 25 statements instead of 10,000 (README.md, Benchmarks).
const UPSERT_ROWS: usize = 500;

/// Inserts or updates the assignments of `upserts`, many rows per statement. Those with a status to
/// store take it (and lose their status message); the others keep the local status.
async fn write_assignments(
    conn: &mut SqliteConnection,
    upserts: &[Upsert<'_>],
    pulled_at: &str,
) -> Result<(), StoreError> {
    let (with_status, keeping_status): (Vec<&Upsert>, Vec<&Upsert>) =
        upserts.iter().partition(|upsert| upsert.status.is_some());
    for (rows, sets_status) in [(with_status, true), (keeping_status, false)] {
        for chunk in rows.chunks(UPSERT_ROWS) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO assignments (item_id, item_json, kind, title, stage, priority, risk, \
                 risk_rank, confidence, due_at, warn_at, status, lease_id, lease_epoch, \
                 lease_expires_at, pulled_at) ",
            );
            let mut failed = None;
            upsert.push_values(chunk, |mut row, upsert| {
                let assignment = &upsert.assignment;
                let item = &assignment.item;
                let (item_json, epoch) = match (to_json(item), as_i64(assignment.lease.epoch.0)) {
                    (Ok(json), Ok(epoch)) => (json, epoch),
                    (Err(error), _) | (_, Err(error)) => {
                        failed = Some(error);
                        (String::new(), 0)
                    }
                };
                row.push_bind(item.id.to_string())
                    .push_bind(item_json)
                    .push_bind(item.kind.clone())
                    .push_bind(item.title.clone())
                    .push_bind(assignment.stage.as_str())
                    .push_bind(item.priority)
                    .push_bind(wire_name(&item.ai.risk))
                    .push_bind(risk_rank(item.ai.risk))
                    .push_bind(item.ai.confidence)
                    .push_bind(item.due_at.map(timestamp))
                    .push_bind(item.warn_at.map(timestamp))
                    .push_bind(upsert.status.unwrap_or(AssignmentStatus::Open).as_str())
                    .push_bind(assignment.lease.id.to_string())
                    .push_bind(epoch)
                    .push_bind(timestamp(assignment.lease.expires_at))
                    .push_bind(pulled_at.to_owned());
            });
            if let Some(error) = failed {
                return Err(error);
            }
            upsert.push(
                " ON CONFLICT (item_id) DO UPDATE SET item_json = excluded.item_json, \
                 kind = excluded.kind, title = excluded.title, stage = excluded.stage, \
                 priority = excluded.priority, risk = excluded.risk, risk_rank = excluded.risk_rank, \
                 confidence = excluded.confidence, due_at = excluded.due_at, \
                 warn_at = excluded.warn_at, lease_id = excluded.lease_id, \
                 lease_epoch = excluded.lease_epoch, lease_expires_at = excluded.lease_expires_at, \
                 pulled_at = excluded.pulled_at, removed_reason = NULL",
            );
            if sets_status {
                upsert.push(", status = excluded.status, status_message = NULL");
            }
            upsert.build().execute(&mut *conn).await?;
        }
    }
    Ok(())
}
