//! Notifications raised once per item and reason, across restarts: the record of what was raised, the
//! "due soon" warnings whose `warn_at` has passed, with or without a pull.

use chrono::{DateTime, Utc};
use countersign_domain::Item;
use sqlx::{Row, SqliteConnection, SqliteExecutor};

use super::codec::{from_json, parse_time, timestamp};
use super::{Store, StoreError};
use crate::model::AssignmentStatus;
use crate::plan::{NotifyReason, NotifyRequest};

/// Records `request` as raised; false when it was raised before (it is not raised again).
pub(super) async fn mark_raised(
    conn: &mut SqliteConnection,
    request: &NotifyRequest,
    at: &str,
) -> Result<bool, StoreError> {
    let fresh = sqlx::query(
        "INSERT OR IGNORE INTO notifications_sent (item_id, reason, sent_at) VALUES (?, ?, ?)",
    )
    .bind(request.item_id.to_string())
    .bind(request.reason.as_str())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(fresh.rows_affected() == 1)
}

/// Open items with a `warn_at` and no "due soon" warning yet (binds: the open status, the reason).
const UNWARNED: &str = "FROM assignments a WHERE status = ? AND warn_at IS NOT NULL AND NOT EXISTS \
     (SELECT 1 FROM notifications_sent n WHERE n.item_id = a.item_id AND n.reason = ?)";

/// Open items with a `warn_at` whose "due soon" warning has not been raised, with that time.
async fn unwarned(
    conn: impl SqliteExecutor<'_>,
) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
    let rows = sqlx::query(&format!("SELECT warn_at, item_json {UNWARNED}"))
        .bind(AssignmentStatus::Open.as_str())
        .bind(NotifyReason::DueSoon.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_time(row.try_get("warn_at")?)?,
                row.try_get("item_json")?,
            ))
        })
        .collect()
}

impl Store {
    /// Raises the "due soon" warning of each open item whose `warn_at` is at or before `now` and that has
    /// not had one: the caller shows them. Needs no server, so it works offline too.
    pub async fn raise_due_warnings(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<NotifyRequest>, StoreError> {
        // A read first: most rounds have nothing due and must not take the write lock for it.
        if !self.warning_due(now).await? {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_immediate().await?;
        let raised_at = timestamp(now);
        let mut raised = Vec::new();
        for (warn_at, item_json) in unwarned(&mut *tx).await? {
            if warn_at > now {
                continue;
            }
            let item: Item = from_json("item", &item_json)?;
            let request = NotifyRequest::new(NotifyReason::DueSoon, &item);
            if mark_raised(&mut tx, &request, &raised_at).await? {
                raised.push(request);
            }
        }
        tx.commit().await?;
        Ok(raised)
    }

    /// Whether some open item's "due soon" warning is due at `now` and not raised yet.
    pub async fn warning_due(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.unwarned_times().await?.iter().any(|at| *at <= now))
    }

    async fn unwarned_times(&self) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let rows = sqlx::query(&format!("SELECT warn_at {UNWARNED}"))
            .bind(AssignmentStatus::Open.as_str())
            .bind(NotifyReason::DueSoon.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| parse_time(row.try_get("warn_at")?))
            .collect()
    }
}
