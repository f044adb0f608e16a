//! Bulk decisions: the rule of `crate::bulk` applied to held items, and every eligible item decided in
//! one transaction, each with its own decision, outbox entry and history line (so each uploads under its
//! own mutation id and can be undone on its own until then).

use chrono::{DateTime, Utc};
use countersign_domain::{Action, Item, ItemId, Stage};
use sqlx::{Row, SqliteConnection};

use super::codec::{from_json, from_wire_name, parse};
use super::outbox::decide_in;
use super::{Store, StoreError};
use crate::bulk::{BulkDecision, BulkError, BulkOutcome, BulkSkip, BulkSkipReason, Candidate};
use crate::model::AssignmentStatus;

impl Store {
    /// What [`Store::decide_many`] would skip for `action`, and why, without deciding anything.
    pub async fn bulk_eligibility(
        &self,
        item_ids: &[ItemId],
        action: Action,
    ) -> Result<Vec<BulkSkip>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut skipped = Vec::new();
        for &item_id in item_ids {
            if let Some(reason) = skip_reason(&mut conn, item_id, action).await? {
                skipped.push(BulkSkip { item_id, reason });
            }
        }
        Ok(skipped)
    }

    /// Decides every eligible item of `item_ids` with `decision` in one durable transaction; the others
    /// are skipped with their reason and left as they were. A decision that fails its checks on any
    /// eligible item (a reject without a reason of the item's kind) refuses the whole call.
    pub async fn decide_many(
        &self,
        item_ids: &[ItemId],
        decision: &BulkDecision,
        now: DateTime<Utc>,
    ) -> Result<BulkOutcome, StoreError> {
        if decision.action == Action::ApproveWithEdits {
            return Err(BulkError::NotABulkAction(decision.action).into());
        }
        let input = decision.input();
        let mut tx = self.begin_immediate().await?;
        let mut outcome = BulkOutcome::default();
        for &item_id in item_ids {
            if let Some(reason) = skip_reason(&mut tx, item_id, decision.action).await? {
                outcome.skipped.push(BulkSkip { item_id, reason });
                continue;
            }
            match decide_in(&mut tx, item_id, &input, None, now).await {
                Ok(_) => outcome.decided.push(item_id),
                Err(StoreError::InvalidDecision(error)) => {
                    return Err(BulkError::Invalid { item_id, error }.into());
                }
                Err(error) => return Err(error),
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }
}

async fn skip_reason(
    conn: &mut SqliteConnection,
    item_id: ItemId,
    action: Action,
) -> Result<Option<BulkSkipReason>, StoreError> {
    let row = sqlx::query(
        "SELECT item_json, stage, status, removed_reason FROM assignments WHERE item_id = ?",
    )
    .bind(item_id.to_string())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(crate::bulk::skip_reason(None, action));
    };
    let item: Item = from_json("item", row.try_get("item_json")?)?;
    let candidate = Candidate {
        item: &item,
        stage: from_wire_name::<Stage>("stage", row.try_get("stage")?)?,
        status: parse::<AssignmentStatus>("status", row.try_get("status")?)?,
        removed: row
            .try_get::<Option<String>, _>("removed_reason")?
            .is_some(),
    };
    Ok(crate::bulk::skip_reason(Some(&candidate), action))
}
