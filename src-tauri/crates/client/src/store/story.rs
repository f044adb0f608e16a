//! An item's story, locally: comments made here (through the outbox, like decisions, so each reaches
//! the server exactly once) and the item's history as the server last told it, kept for held items.

use chrono::{DateTime, Utc};
use countersign_domain::{
    Action, COMMENT_MAX_CHARS, DecisionId, ItemHistory, ItemId, MutationStatus, ResultCode,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::codec::{from_json, parse_time, read_decision, timestamp, to_json, wire_name};
use super::{Store, StoreError};
use crate::model::OutboxState;

/// A comment made here, as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LocalComment {
    /// The mutation's `decision_id`: the `comment_id` of its mention notices.
    pub comment_id: DecisionId,
    pub item_id: ItemId,
    pub text: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: DateTime<Utc>,
    /// `pending` or `in_flight` until the server answered; then `done` with its result.
    pub state: OutboxState,
    pub result_status: Option<MutationStatus>,
    pub result_code: Option<ResultCode>,
    pub result_message: Option<String>,
}

/// An item's history as last fetched from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedHistory {
    pub history: ItemHistory,
    pub fetched_at: DateTime<Utc>,
}

impl Store {
    /// Queues a comment on the held item `item_id` in one durable transaction: an outbox entry with
    /// action `comment` under the item's lease, sent with the decisions. It changes nothing else
    /// (the item stays open, its draft stays).
    pub async fn comment(
        &self,
        item_id: ItemId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<LocalComment, StoreError> {
        if text.trim().is_empty() {
            return Err(StoreError::EmptyComment);
        }
        if text.chars().count() > COMMENT_MAX_CHARS {
            return Err(StoreError::CommentTooLong(COMMENT_MAX_CHARS));
        }
        let mut tx = self.begin_immediate().await?;
        let lease = sqlx::query("SELECT lease_id, lease_epoch FROM assignments WHERE item_id = ?")
            .bind(item_id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotHeld(item_id))?;
        let comment = LocalComment {
            comment_id: DecisionId::new_v7(),
            item_id,
            text: text.to_owned(),
            at: now,
            state: OutboxState::Pending,
            result_status: None,
            result_code: None,
            result_message: None,
        };
        sqlx::query(
            "INSERT INTO outbox (decision_id, item_id, lease_id, lease_epoch, action, note, \
             client_time, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(comment.comment_id.to_string())
        .bind(item_id.to_string())
        .bind(lease.try_get::<String, _>("lease_id")?)
        .bind(lease.try_get::<i64, _>("lease_epoch")?)
        .bind(wire_name(&Action::Comment))
        .bind(text)
        .bind(timestamp(now))
        .bind(OutboxState::Pending.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(comment)
    }

    /// The comments made here on `item_id`, oldest first.
    pub async fn local_comments(&self, item_id: ItemId) -> Result<Vec<LocalComment>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM outbox WHERE item_id = ? AND action = ? ORDER BY seq")
                .bind(item_id.to_string())
                .bind(wire_name(&Action::Comment))
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let entry = read_decision(row)?;
                Ok(LocalComment {
                    comment_id: entry.decision_id,
                    item_id: entry.item_id,
                    text: entry.note.unwrap_or_default(),
                    at: entry.client_time,
                    state: entry.state,
                    result_status: entry.result_status,
                    result_code: entry.result_code,
                    result_message: entry.result_message,
                })
            })
            .collect()
    }

    /// Keeps `history` for its item while the item is held here (an item not held is not kept).
    pub async fn save_history(
        &self,
        history: &ItemHistory,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO item_history (item_id, history_json, fetched_at) \
             SELECT item_id, ?, ? FROM assignments WHERE item_id = ? \
             ON CONFLICT (item_id) DO UPDATE SET history_json = excluded.history_json, \
             fetched_at = excluded.fetched_at",
        )
        .bind(to_json(history)?)
        .bind(timestamp(now))
        .bind(history.item_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The history of `item_id` as last fetched, if it is held and was fetched.
    pub async fn cached_history(
        &self,
        item_id: ItemId,
    ) -> Result<Option<CachedHistory>, StoreError> {
        let Some(row) =
            sqlx::query("SELECT history_json, fetched_at FROM item_history WHERE item_id = ?")
                .bind(item_id.to_string())
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        Ok(Some(CachedHistory {
            history: from_json("item history", row.try_get("history_json")?)?,
            fetched_at: parse_time(row.try_get("fetched_at")?)?,
        }))
    }
}
