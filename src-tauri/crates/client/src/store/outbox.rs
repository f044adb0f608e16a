//! The outbox: deciding and undoing, numbering and claiming what to push, and recording the server's
//! answers. Each of these is one `BEGIN IMMEDIATE` transaction, so a crash leaves either all of it or
//! none of it, and a concurrent sync in another process waits its turn.

use chrono::{DateTime, SubsecRound, Utc};
use countersign_domain::fatigue;
use countersign_domain::signature::{self, SignedDecision};
use countersign_domain::{
    Action, DecisionId, Item, ItemId, Mutation, MutationId, MutationStatus, ResultCode,
    SignatureMeaning, Stage,
};
use sqlx::{Row, SqliteConnection};

use super::codec::{
    as_i64, from_json, from_wire_name, non_negative, parse, parse_time, read_outbox_entry,
    timestamp, to_json, wire_name,
};
use super::{Store, StoreError, conflicts};
use crate::decision;
use crate::model::{
    AssignmentStatus, DecisionInput, HistoryEntry, HistoryEvent, OutboxState, RecordedDecision,
};
use crate::plan::{self, BatchLimits, PushBatch, PushOutcome};
use crate::signing::DecisionSigner;

/// What a push changed locally.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushApplied {
    pub applied: usize,
    pub conflicts: usize,
    pub rejected: usize,
}

impl Store {
    /// Records a decision in the store and the outbox in one durable transaction.
    pub async fn decide(
        &self,
        item_id: ItemId,
        input: &DecisionInput,
        now: DateTime<Utc>,
    ) -> Result<RecordedDecision, StoreError> {
        self.decide_signed(item_id, input, None, now).await
    }

    /// [`Store::decide`], signed by `signer` when given: the signature covers the decision and the
    /// item as held here, and is kept with it in the outbox (docs/protocol.md, "Signatures").
    pub async fn decide_signed(
        &self,
        item_id: ItemId,
        input: &DecisionInput,
        signer: Option<&DecisionSigner>,
        now: DateTime<Utc>,
    ) -> Result<RecordedDecision, StoreError> {
        let mut tx = self.begin_immediate().await?;
        let decision = decide_in(&mut tx, item_id, input, signer, now).await?;
        tx.commit().await?;
        Ok(decision)
    }

    /// Takes back a decision that has not been sent. Mutation ids are handed out only when a decision is
    /// first sent (in the same BEGIN IMMEDIATE transaction that marks it in flight), so an unsent
    /// decision has no id and deleting it leaves no gap; and since both transactions take the write lock,
    /// a concurrent sync either numbered it first (then this refuses) or finds it gone.
    pub async fn undo(&self, item_id: ItemId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin_immediate().await?;
        let row = sqlx::query(
            "SELECT seq, decision_id, action, state FROM outbox WHERE item_id = ? AND state <> ? \
             AND action <> ?",
        )
        .bind(item_id.to_string())
        .bind(OutboxState::Done.as_str())
        .bind(wire_name(&Action::Comment))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NothingToUndo(item_id))?;
        let state: OutboxState = parse("outbox state", row.try_get("state")?)?;
        if state != OutboxState::Pending {
            return Err(StoreError::AlreadySent(item_id));
        }
        let deleted = sqlx::query("DELETE FROM outbox WHERE seq = ? AND state = ?")
            .bind(row.try_get::<i64, _>("seq")?)
            .bind(OutboxState::Pending.as_str())
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() != 1 {
            return Err(StoreError::AlreadySent(item_id));
        }
        // If the server took the item away meanwhile, undoing leaves nothing to work on.
        sqlx::query("DELETE FROM assignments WHERE item_id = ? AND removed_reason IS NOT NULL")
            .bind(item_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE assignments SET status = ?, status_message = NULL WHERE item_id = ?")
            .bind(AssignmentStatus::Open.as_str())
            .bind(item_id.to_string())
            .execute(&mut *tx)
            .await?;
        let decision_id: DecisionId = parse("decision id", row.try_get("decision_id")?)?;
        let action: Action = from_wire_name("action", row.try_get("action")?)?;
        log_event(
            &mut tx,
            decision_id,
            item_id,
            HistoryEvent::Undone,
            action,
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Decisions not yet acknowledged by the server.
    pub async fn pending_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state <> ?")
                .bind(OutboxState::Done.as_str())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Decisions not yet sent even once.
    pub async fn unsent_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = ?")
                .bind(OutboxState::Pending.as_str())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// [`claim_due_push_batch`](Self::claim_due_push_batch) with no undo window: every decision is due.
    pub async fn claim_push_batch(
        &self,
        limits: BatchLimits,
    ) -> Result<Option<PushBatch>, StoreError> {
        self.claim_due_push_batch(limits, DateTime::<Utc>::MAX_UTC)
            .await
    }

    /// When the oldest decision not yet sent was made, if any: the sync engine sends it once its undo
    /// window has passed.
    pub async fn oldest_unsent_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let made: Option<String> = sqlx::query_scalar(
            "SELECT client_time FROM outbox WHERE state = ? ORDER BY seq LIMIT 1",
        )
        .bind(OutboxState::Pending.as_str())
        .fetch_optional(&self.pool)
        .await?;
        made.map(|made| parse_time(&made)).transpose()
    }

    /// Numbers the next batch of unsent decisions made at or before `due_by` and marks them in flight,
    /// atomically, then returns everything to send (earlier unacknowledged ones again, under their ids).
    /// Only after this commit may the batch leave the machine: from here on an undo is refused.
    pub async fn claim_due_push_batch(
        &self,
        limits: BatchLimits,
        due_by: DateTime<Utc>,
    ) -> Result<Option<PushBatch>, StoreError> {
        let mut tx = self.begin_immediate().await?;
        let next: i64 = sqlx::query_scalar("SELECT next_mutation_id FROM sync_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let rows = sqlx::query("SELECT * FROM outbox WHERE state <> ? ORDER BY seq")
            .bind(OutboxState::Done.as_str())
            .fetch_all(&mut *tx)
            .await?;
        let unacked = rows
            .iter()
            .map(read_outbox_entry)
            .collect::<Result<Vec<_>, _>>()?;
        let Some(batch) =
            plan::plan_push(&unacked, MutationId(non_negative(next)?), limits, due_by)?
        else {
            return Ok(None);
        };
        for (seq, id) in &batch.newly_numbered {
            sqlx::query("UPDATE outbox SET mutation_id = ?, state = ? WHERE seq = ? AND state = ?")
                .bind(as_i64(id.0)?)
                .bind(OutboxState::InFlight.as_str())
                .bind(seq)
                .bind(OutboxState::Pending.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE sync_state SET next_mutation_id = ? WHERE id = 1")
            .bind(as_i64(batch.next_mutation_id.0)?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(batch))
    }

    pub async fn next_mutation_id(&self) -> Result<MutationId, StoreError> {
        let next: i64 = sqlx::query_scalar("SELECT next_mutation_id FROM sync_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(MutationId(non_negative(next)?))
    }

    /// Records the server's answers. Conflicts keep both versions; rejections keep the message.
    pub async fn apply_push_outcome(
        &self,
        sent: &[Mutation],
        outcome: &PushOutcome,
        now: DateTime<Utc>,
    ) -> Result<PushApplied, StoreError> {
        let mut applied = PushApplied::default();
        let mut tx = self.begin_immediate().await?;
        for ack in &outcome.acks {
            let Some(mutation) = sent.iter().find(|m| m.id == ack.mutation_id) else {
                continue;
            };
            let updated = sqlx::query(
                "UPDATE outbox SET state = ?, result_status = ?, result_code = ?, \
                 result_message = ?, acked_at = ? WHERE mutation_id = ? AND state = ?",
            )
            .bind(OutboxState::Done.as_str())
            .bind(wire_name(&ack.status))
            .bind(ack.code.map(ResultCode::as_str))
            .bind(&ack.message)
            .bind(timestamp(now))
            .bind(as_i64(ack.mutation_id.0)?)
            .bind(OutboxState::InFlight.as_str())
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                // Already recorded by another process that sent the same batch: a replay.
                continue;
            }
            let item_id = mutation.item_id.to_string();
            if mutation.action == Action::Comment {
                // A comment leaves its item as it is; its result stays in the outbox row.
                if ack.status == MutationStatus::Applied {
                    applied.applied += 1;
                } else {
                    applied.rejected += 1;
                }
                continue;
            }
            let message = ack.message.clone().unwrap_or_else(|| {
                ack.code
                    .map_or_else(|| wire_name(&ack.status), |code| code.to_string())
            });
            let (status, event) = match ack.status {
                MutationStatus::Applied => {
                    applied.applied += 1;
                    (AssignmentStatus::Uploaded, HistoryEvent::Applied)
                }
                MutationStatus::Conflict => {
                    applied.conflicts += 1;
                    conflicts::record(&mut tx, mutation, ack, &message, now).await?;
                    (AssignmentStatus::Conflict, HistoryEvent::Conflict)
                }
                MutationStatus::Rejected => {
                    applied.rejected += 1;
                    (AssignmentStatus::Rejected, HistoryEvent::Rejected)
                }
            };
            // A released item leaves the inbox once the release is applied, and so does one the server
            // took away while this decision was unsent; a conflict stays shown until it is resolved.
            let leave_sql =
                if mutation.action == Action::Release && status == AssignmentStatus::Uploaded {
                    Some("DELETE FROM assignments WHERE item_id = ?")
                } else if status != AssignmentStatus::Conflict {
                    Some("DELETE FROM assignments WHERE item_id = ? AND removed_reason IS NOT NULL")
                } else {
                    None
                };
            if let Some(sql) = leave_sql {
                sqlx::query(sql).bind(&item_id).execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE assignments SET status = ?, status_message = ? WHERE item_id = ? AND status = ?",
            )
            .bind(status.as_str())
            .bind((status != AssignmentStatus::Uploaded).then_some(&message))
            .bind(&item_id)
            .bind(AssignmentStatus::Decided.as_str())
            .execute(&mut *tx)
            .await?;
            log_event(
                &mut tx,
                mutation.decision_id,
                mutation.item_id,
                event,
                mutation.action,
                Some(&message),
                now,
            )
            .await?;
        }
        sqlx::query(
            "UPDATE sync_state SET last_acked_mutation_id = MAX(last_acked_mutation_id, ?) WHERE id = 1",
        )
        .bind(as_i64(outcome.last_acked.0)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// What this reviewer did to an item, oldest first.
    pub async fn history(&self, item_id: ItemId) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = sqlx::query("SELECT * FROM decisions_log WHERE item_id = ? ORDER BY id")
            .bind(item_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryEntry {
                    decision_id: parse("decision id", row.try_get("decision_id")?)?,
                    event: parse("history event", row.try_get("event")?)?,
                    action: from_wire_name("action", row.try_get("action")?)?,
                    detail: row.try_get("detail")?,
                    at: parse_time(row.try_get("at")?)?,
                })
            })
            .collect()
    }
}

async fn log_event(
    conn: &mut SqliteConnection,
    decision_id: DecisionId,
    item_id: ItemId,
    event: HistoryEvent,
    action: Action,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO decisions_log (decision_id, item_id, event, action, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(decision_id.to_string())
    .bind(item_id.to_string())
    .bind(event.as_str())
    .bind(wire_name(&action))
    .bind(detail)
    .bind(timestamp(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records one decision inside the caller's transaction: the checks, the outbox entry, the status, the
/// draft gone and the history line. `decide` runs it alone, `decide_many` once per eligible item.
pub(super) async fn decide_in(
    tx: &mut SqliteConnection,
    item_id: ItemId,
    input: &DecisionInput,
    signer: Option<&DecisionSigner>,
    now: DateTime<Utc>,
) -> Result<RecordedDecision, StoreError> {
    let row = sqlx::query(
        "SELECT status, stage, item_json, lease_id, lease_epoch FROM assignments WHERE item_id = ?",
    )
    .bind(item_id.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotHeld(item_id))?;
    let status: AssignmentStatus = parse("status", row.try_get("status")?)?;
    if !matches!(status, AssignmentStatus::Open | AssignmentStatus::Rejected) {
        return Err(StoreError::AlreadyDecided(item_id, status));
    }
    let stage: Stage = from_wire_name("stage", row.try_get("stage")?)?;
    let item: Item = from_json("item", row.try_get("item_json")?)?;
    let reasons = super::kinds::reason_codes(&mut *tx, &item.kind).await?;
    let recorded = super::blind::blind_read_in(&mut *tx, item_id).await?;
    let blind_judgement = decision::judgement_for(&item, stage, input.action, recorded);
    let corrected = decision::validate(
        input,
        &item,
        stage,
        blind_judgement.as_ref(),
        reasons.as_deref(),
        signer.is_some(),
    )?;
    let (correction, patch) = corrected
        .map(|corrected| (corrected.output, corrected.patch))
        .unzip();
    let decision_id = DecisionId::new_v7();
    // Whole seconds: the time a person reads in the manifest is the time signed.
    let signed_at = now.trunc_subsecs(0);
    let signature = signer.map(|signer| {
        let meaning = item
            .signature_required
            .as_ref()
            .map_or(SignatureMeaning::Approval, |requirement| {
                requirement.meaning
            });
        let decision = SignedDecision {
            item_id,
            decision_id,
            action: input.action,
            correction: correction.as_ref(),
            reason_code: input.reason_code.as_deref(),
            note: input.note.as_deref(),
        };
        signature::sign(
            &signer.key,
            &decision,
            &item,
            meaning,
            &signer.signer_name,
            signed_at,
        )
    });
    let decision = RecordedDecision {
        decision_id,
        item_id,
        action: input.action,
        correction,
        reason_code: input.reason_code.clone(),
        note: input.note.clone(),
        attestation: input.attestation.clone(),
        client_time: now,
        mutation_id: None,
        state: OutboxState::Pending,
        result_status: None,
        result_code: None,
        result_message: None,
        patch,
        rationale: input.rationale.clone(),
        tags: input.tags.clone(),
        signature,
        blind_judgement,
    };
    // When the reviewer opened the item on screen, if they did (docs/protocol.md, "Reviewer fatigue").
    let opened_at: Option<String> =
        sqlx::query_scalar("SELECT opened_at FROM item_openings WHERE item_id = ?")
            .bind(item_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO outbox (decision_id, item_id, lease_id, lease_epoch, action, correction, \
         reason_code, note, attestation, client_time, state, patch, rationale, tags, signature, \
         blind_judgement, opened_at, kind, reading_chars) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(decision.decision_id.to_string())
    .bind(item_id.to_string())
    .bind(row.try_get::<String, _>("lease_id")?)
    .bind(row.try_get::<i64, _>("lease_epoch")?)
    .bind(wire_name(&input.action))
    .bind(decision.correction.as_ref().map(to_json).transpose()?)
    .bind(&input.reason_code)
    .bind(&input.note)
    .bind(input.attestation.as_ref().map(to_json).transpose()?)
    .bind(timestamp(now))
    .bind(OutboxState::Pending.as_str())
    .bind(decision.patch.as_ref().map(to_json).transpose()?)
    .bind(&decision.rationale)
    .bind(
        (!decision.tags.is_empty())
            .then(|| to_json(&decision.tags))
            .transpose()?,
    )
    .bind(decision.signature.as_ref().map(to_json).transpose()?)
    .bind(decision.blind_judgement.as_ref().map(to_json).transpose()?)
    .bind(opened_at)
    .bind(&item.kind)
    .bind(as_i64(fatigue::reading_chars(
        &item.title,
        &item.payload,
        &item.ai.output,
    ))?)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE assignments SET status = ?, status_message = NULL WHERE item_id = ?")
        .bind(AssignmentStatus::Decided.as_str())
        .bind(item_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM drafts WHERE item_id = ?")
        .bind(item_id.to_string())
        .execute(&mut *tx)
        .await?;
    log_event(
        &mut *tx,
        decision.decision_id,
        item_id,
        HistoryEvent::Decided,
        input.action,
        Some(&to_json(input)?),
        now,
    )
    .await?;
    Ok(decision)
}
