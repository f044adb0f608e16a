//! Applying a pull: the planner's answer written in the transaction that read the local state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use countersign_domain::{Assignment, ItemId, PullResponse};
use sqlx::{Row, SqliteConnection};

use super::codec::{as_i64, parse, risk_rank, timestamp, to_json, wire_name};
use super::notices::mark_raised;
use super::{Store, StoreError};
use crate::model::AssignmentStatus;
use crate::plan::{self, LocalAssignment, NotifyRequest};

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
        for upsert in &plan.upserts {
            write_assignment(&mut tx, &upsert.assignment, upsert.status, &pulled_at).await?;
        }
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

async fn write_assignment(
    conn: &mut SqliteConnection,
    assignment: &Assignment,
    status: Option<AssignmentStatus>,
    pulled_at: &str,
) -> Result<(), StoreError> {
    let item = &assignment.item;
    sqlx::query(
        "INSERT INTO assignments (item_id, item_json, kind, title, stage, priority, risk, risk_rank, \
         confidence, due_at, warn_at, status, lease_id, lease_epoch, lease_expires_at, pulled_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (item_id) DO UPDATE SET item_json = excluded.item_json, kind = excluded.kind, \
         title = excluded.title, stage = excluded.stage, priority = excluded.priority, \
         risk = excluded.risk, risk_rank = excluded.risk_rank, confidence = excluded.confidence, \
         due_at = excluded.due_at, warn_at = excluded.warn_at, lease_id = excluded.lease_id, lease_epoch = excluded.lease_epoch, \
         lease_expires_at = excluded.lease_expires_at, pulled_at = excluded.pulled_at, \
         removed_reason = NULL, \
         status = CASE WHEN ? THEN excluded.status ELSE assignments.status END, \
         status_message = CASE WHEN ? THEN NULL ELSE assignments.status_message END",
    )
    .bind(item.id.to_string())
    .bind(to_json(item)?)
    .bind(&item.kind)
    .bind(&item.title)
    .bind(assignment.stage.as_str())
    .bind(item.priority)
    .bind(wire_name(&item.ai.risk))
    .bind(risk_rank(item.ai.risk))
    .bind(item.ai.confidence)
    .bind(item.due_at.map(timestamp))
    .bind(item.warn_at.map(timestamp))
    .bind(status.unwrap_or(AssignmentStatus::Open).as_str())
    .bind(assignment.lease.id.to_string())
    .bind(as_i64(assignment.lease.epoch.0)?)
    .bind(timestamp(assignment.lease.expires_at))
    .bind(pulled_at)
    .bind(status.is_some())
    .bind(status.is_some())
    .execute(conn)
    .await?;
    Ok(())
}
