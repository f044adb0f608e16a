//! Drafts: a decision in progress, autosaved, one per held assignment.

use chrono::{DateTime, Utc};
use countersign_domain::ItemId;
use sqlx::Row;

use super::codec::{from_wire_name, opt_json, opt_text, timestamp, to_json, wire_name};
use super::{Store, StoreError};
use crate::model::Draft;

impl Store {
    pub async fn save_draft(
        &self,
        item_id: ItemId,
        draft: &Draft,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO drafts (item_id, action, correction, reason_code, note, attestation, updated_at) \
             SELECT item_id, ?, ?, ?, ?, ?, ? FROM assignments WHERE item_id = ? \
             ON CONFLICT (item_id) DO UPDATE SET action = excluded.action, \
             correction = excluded.correction, reason_code = excluded.reason_code, \
             note = excluded.note, attestation = excluded.attestation, updated_at = excluded.updated_at",
        )
        .bind(draft.action.as_ref().map(wire_name))
        .bind(draft.correction.as_ref().map(to_json).transpose()?)
        .bind(&draft.reason_code)
        .bind(&draft.note)
        .bind(draft.attestation.as_ref().map(to_json).transpose()?)
        .bind(timestamp(now))
        .bind(item_id.to_string())
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotHeld(item_id));
        }
        Ok(())
    }

    pub async fn draft(&self, item_id: ItemId) -> Result<Option<Draft>, StoreError> {
        let Some(row) = sqlx::query("SELECT * FROM drafts WHERE item_id = ?")
            .bind(item_id.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Draft {
            action: opt_text(&row, "action")?
                .map(|a| from_wire_name("action", &a))
                .transpose()?,
            correction: opt_json(&row, "correction")?,
            reason_code: row.try_get("reason_code")?,
            note: row.try_get("note")?,
            attestation: opt_json(&row, "attestation")?,
        }))
    }
}
