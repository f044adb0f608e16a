//! How model values are written to and read from the store's text and integer columns. Every read is
//! checked: a value the store cannot read is `StoreError::Corrupt`, never a default.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use countersign_domain::{Epoch, Mutation, MutationId, Risk};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::StoreError;
use crate::model::{AssignmentSummary, RecordedDecision, SyncState};
use crate::plan::OutboxEntry;

/// The columns `read_summary` reads.
pub(super) const SUMMARY_COLUMNS: &str = "item_id, kind, title, stage, priority, risk, confidence, \
     due_at, status, status_message, lease_id, lease_epoch, lease_expires_at, removed_reason, \
     COALESCE(json_extract(assignments.item_json, '$.blind') = 1 AND NOT EXISTS \
     (SELECT 1 FROM blind_reads WHERE blind_reads.item_id = assignments.item_id), 0) AS blind_pending";

/// Fixed-width RFC 3339, so that text order in SQLite is time order.
pub(super) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(super) fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time {text:?}: {e}")))
}

pub(super) fn parse<T: FromStr>(what: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{what} {text:?}: {e}")))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Fallible on purpose: a value that cannot be stored as it is must fail the write, never be stored as
/// something else.
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot serialise: {e}")))
}

/// The snake_case wire name of a domain unit enum (Action, Risk, MutationStatus): always a string.
pub(super) fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

pub(super) fn from_wire_name<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(Value::String(text.to_owned()))
        .map_err(|e| StoreError::Corrupt(format!("{what} {text:?}: {e}")))
}

pub(super) fn risk_rank(risk: Risk) -> i64 {
    match risk {
        Risk::Low => 0,
        Risk::Medium => 1,
        Risk::High => 2,
        Risk::Critical => 3,
    }
}

pub(super) fn non_negative(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative counter {value}")))
}

pub(super) fn as_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("counter {value} out of range")))
}

pub(super) fn opt_text(row: &SqliteRow, column: &str) -> Result<Option<String>, StoreError> {
    Ok(row.try_get(column)?)
}

pub(super) fn opt_json<T: serde::de::DeserializeOwned>(
    row: &SqliteRow,
    column: &str,
) -> Result<Option<T>, StoreError> {
    opt_text(row, column)?
        .map(|text| from_json(column, &text))
        .transpose()
}

pub(super) fn read_summary(row: &SqliteRow) -> Result<AssignmentSummary, StoreError> {
    Ok(AssignmentSummary {
        item_id: parse("item id", row.try_get("item_id")?)?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        stage: from_wire_name("stage", row.try_get("stage")?)?,
        priority: row.try_get("priority")?,
        risk: from_wire_name("risk", row.try_get("risk")?)?,
        confidence: row.try_get("confidence")?,
        due_at: opt_text(row, "due_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
        status: parse("status", row.try_get("status")?)?,
        status_message: row.try_get("status_message")?,
        lease_id: parse("lease id", row.try_get("lease_id")?)?,
        lease_epoch: Epoch(non_negative(row.try_get("lease_epoch")?)?),
        lease_expires_at: parse_time(row.try_get("lease_expires_at")?)?,
        removed_reason: opt_text(row, "removed_reason")?
            .map(|text| from_wire_name("removal reason", &text))
            .transpose()?,
        blind_pending: row.try_get("blind_pending")?,
    })
}

pub(super) fn read_sync_state(row: &SqliteRow) -> Result<SyncState, StoreError> {
    Ok(SyncState {
        client_id: parse("client id", row.try_get("client_id")?)?,
        server_url: row.try_get("server_url")?,
        cursor: row.try_get("cursor")?,
        next_mutation_id: MutationId(non_negative(row.try_get("next_mutation_id")?)?),
        last_acked_mutation_id: MutationId(non_negative(row.try_get("last_acked_mutation_id")?)?),
        last_sync: opt_text(row, "last_sync")?
            .map(|t| parse_time(&t))
            .transpose()?,
        online: row.try_get("online")?,
        last_error: row.try_get("last_error")?,
        notification_status: opt_text(row, "notification_status")?
            .map(|text| from_json("notification status", &text))
            .transpose()?
            .unwrap_or_default(),
    })
}

pub(super) fn read_decision(row: &SqliteRow) -> Result<RecordedDecision, StoreError> {
    let mutation_id: Option<i64> = row.try_get("mutation_id")?;
    Ok(RecordedDecision {
        decision_id: parse("decision id", row.try_get("decision_id")?)?,
        item_id: parse("item id", row.try_get("item_id")?)?,
        action: from_wire_name("action", row.try_get("action")?)?,
        correction: opt_json(row, "correction")?,
        reason_code: row.try_get("reason_code")?,
        note: row.try_get("note")?,
        attestation: opt_json(row, "attestation")?,
        client_time: parse_time(row.try_get("client_time")?)?,
        mutation_id: mutation_id.map(non_negative).transpose()?.map(MutationId),
        state: parse("outbox state", row.try_get("state")?)?,
        result_status: opt_text(row, "result_status")?
            .map(|s| from_wire_name("result status", &s))
            .transpose()?,
        result_code: opt_text(row, "result_code")?
            .map(|text| from_wire_name("result code", &text))
            .transpose()?,
        result_message: row.try_get("result_message")?,
        patch: opt_json(row, "patch")?,
        rationale: row.try_get("rationale")?,
        tags: opt_json(row, "tags")?.unwrap_or_default(),
        signature: opt_text(row, "signature")?
            .map(|text| from_json("signature", &text))
            .transpose()?,
        blind_judgement: opt_text(row, "blind_judgement")?
            .map(|text| from_json("blind judgement", &text))
            .transpose()?,
    })
}

pub(super) fn read_outbox_entry(row: &SqliteRow) -> Result<OutboxEntry, StoreError> {
    let decision = read_decision(row)?;
    let mutation_id = decision.mutation_id;
    Ok(OutboxEntry {
        seq: row.try_get("seq")?,
        mutation_id,
        mutation: Mutation {
            id: mutation_id.unwrap_or_default(),
            decision_id: decision.decision_id,
            item_id: decision.item_id,
            lease_id: parse("lease id", row.try_get("lease_id")?)?,
            lease_epoch: Epoch(non_negative(row.try_get("lease_epoch")?)?),
            action: decision.action,
            correction: decision.correction,
            reason_code: decision.reason_code,
            note: decision.note,
            attestation: decision.attestation,
            client_time: Some(decision.client_time),
            patch: decision.patch,
            rationale: decision.rationale,
            tags: decision.tags,
            signature: decision.signature,
            blind_judgement: decision.blind_judgement,
            opened_at: opt_text(row, "opened_at")?
                .map(|text| parse_time(&text))
                .transpose()?,
        },
    })
}
