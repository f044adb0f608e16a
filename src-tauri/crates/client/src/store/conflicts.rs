//! Conflicts: decisions the server kept only as late opinions, with both versions, until the reviewer
//! has seen them.

use chrono::{DateTime, Utc};
use countersign_domain::{Mutation, MutationId, MutationStatus, ResultCode};
use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use super::codec::{
    as_i64, from_json, from_wire_name, non_negative, opt_text, parse, parse_time, timestamp,
    to_json,
};
use super::{Store, StoreError};
use crate::model::{AssignmentStatus, ConflictRecord};
use crate::plan::Ack;

/// Keeps both sides of a conflict, inside the transaction that records the server's answer.
pub(super) async fn record(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
    ack: &Ack,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let item_id = mutation.item_id.to_string();
    let item_json: Option<String> =
        sqlx::query_scalar("SELECT item_json FROM assignments WHERE item_id = ?")
            .bind(&item_id)
            .fetch_optional(&mut *conn)
            .await?;
    let item: Value = item_json
        .map(|j| from_json("item", &j))
        .transpose()?
        .unwrap_or(Value::Null);
    let server_version = serde_json::json!({
        "status": MutationStatus::Conflict, "code": ack.code, "message": ack.message, "item": item,
    });
    sqlx::query(
        "INSERT OR IGNORE INTO conflicts (item_id, decision_id, mutation_id, code, message, \
         local_version, server_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&item_id)
    .bind(mutation.decision_id.to_string())
    .bind(as_i64(mutation.id.0)?)
    .bind(ack.code.unwrap_or(ResultCode::Unknown).as_str())
    .bind(message)
    .bind(to_json(mutation)?)
    .bind(to_json(&server_version)?)
    .bind(timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    pub async fn unresolved_conflict_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM conflicts WHERE resolved_at IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn conflicts(
        &self,
        include_resolved: bool,
    ) -> Result<Vec<ConflictRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM conflicts WHERE ? OR resolved_at IS NULL ORDER BY id")
                .bind(include_resolved)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(ConflictRecord {
                    id: row.try_get("id")?,
                    item_id: parse("item id", row.try_get("item_id")?)?,
                    decision_id: parse("decision id", row.try_get("decision_id")?)?,
                    mutation_id: MutationId(non_negative(row.try_get("mutation_id")?)?),
                    code: from_wire_name("conflict code", row.try_get("code")?)?,
                    message: row.try_get("message")?,
                    local_version: from_json("conflict", row.try_get("local_version")?)?,
                    server_version: from_json("conflict", row.try_get("server_version")?)?,
                    created_at: parse_time(row.try_get("created_at")?)?,
                    resolved_at: opt_text(row, "resolved_at")?
                        .map(|t| parse_time(&t))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// The reviewer has seen the conflict; the assignment goes unless the server still leases it to us.
    pub async fn resolve_conflict(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin_immediate().await?;
        let item_id: Option<String> = sqlx::query_scalar(
            "UPDATE conflicts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL RETURNING item_id",
        )
        .bind(timestamp(now))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(item_id) = item_id {
            sqlx::query(
                "DELETE FROM assignments WHERE item_id = ? AND status = ? \
                 AND removed_reason IS NOT NULL",
            )
            .bind(item_id)
            .bind(AssignmentStatus::Conflict.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
