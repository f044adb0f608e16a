//! Openings not yet reported: which held items the reviewer has looked at since the last pull, sent
//! in the pull's `opened` so their leases keep renewing (docs/protocol.md, "Pull", the hoarding rule).

use chrono::{DateTime, Utc};
use countersign_domain::ItemId;

use super::codec::{parse, timestamp};
use super::{Store, StoreError};
use crate::model::AssignmentDetail;

impl Store {
    /// The held assignment, as [`Store::get`], recorded as opened by the reviewer.
    pub async fn open_assignment(
        &self,
        item_id: ItemId,
    ) -> Result<Option<AssignmentDetail>, StoreError> {
        let detail = self.get(item_id).await?;
        if detail.is_some() {
            sqlx::query("INSERT OR IGNORE INTO opened_unreported (item_id) VALUES (?)")
                .bind(item_id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(detail)
    }

    /// Records that the reviewer has `item_id` on screen from `now`: a decision on it sends this as
    /// its `opened_at` (docs/protocol.md, "Reviewer fatigue"). The latest showing counts, so coming
    /// back to an item later does not count the time spent elsewhere.
    pub async fn record_opening(
        &self,
        item_id: ItemId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO item_openings (item_id, opened_at) VALUES (?, ?) \
             ON CONFLICT (item_id) DO UPDATE SET opened_at = excluded.opened_at",
        )
        .bind(item_id.to_string())
        .bind(timestamp(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The items opened since the last pull that reported them.
    pub async fn opened_unreported(&self) -> Result<Vec<ItemId>, StoreError> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT item_id FROM opened_unreported ORDER BY item_id")
                .fetch_all(&self.pool)
                .await?;
        ids.iter().map(|id| parse("item id", id)).collect()
    }

    /// Forgets openings a pull has reported. An item opened again later is recorded again; the
    /// server counts an opening once per lease, so reporting it twice changes nothing.
    pub async fn forget_reported_openings(&self, reported: &[ItemId]) -> Result<(), StoreError> {
        let mut tx = self.begin_immediate().await?;
        for item_id in reported {
            sqlx::query("DELETE FROM opened_unreported WHERE item_id = ?")
                .bind(item_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
