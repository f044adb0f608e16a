//! Deadlines that act: once a pending item's `due_at` passes, its routing rule's `on_breach`
//! runs, once (docs/protocol.md, "Deadlines"). `escalate` moves a review to the escalation stage
//! (the team's seniors are told to pull); `timeout_reject` decides the item `rejected` with
//! `reason_code = "timeout"` as [`TIMEOUT_ACTOR`], never a person, sends the webhook and tells
//! the holder's clients the item `timed_out`.

use std::collections::HashSet;

use countersign_domain::AuditAction;
use countersign_domain::{
    Action, DecisionId, DecisionRecord, EscalationNotice, ItemStatus, Outcome, RemovalReason, Stage,
};
use serde_json::json;

use crate::AppState;
use crate::audience::Audience;
use crate::audit::{self, AuditEvent};
use crate::db::{col, placeholders, to_micros, wire_name};
use crate::error::StoreError;
use crate::events::Recipients;
use crate::items::{self, RowLock};
use crate::policy::OnBreach;
use crate::{leases, webhook};

/// The actor of a timeout decision.
pub const TIMEOUT_ACTOR: &str = "system:timeout";
/// The actor of an escalation by deadline.
pub const DEADLINE_ACTOR: &str = "system:deadline";
/// The reason code of a timeout decision.
pub const TIMEOUT_REASON: &str = "timeout";

/// Applies `on_breach` to pending items past due that have not had it yet; returns how many. Gold
/// copies are left alone: a breach would reach seniors and producers (docs/protocol.md, "Gold items").
pub async fn sweep_breaches(state: &AppState) -> Result<usize, StoreError> {
    let db = &state.db;
    let count = db
        .write(|mut tx| async move {
            let now = state.now();
            let due = sqlx::query(&format!(
                "SELECT id, on_breach FROM items WHERE status = 'pending' \
                 AND on_breach IS NOT NULL AND breached_at IS NULL AND due_at <= $1 \
                 AND gold_id IS NULL \
                 ORDER BY due_at LIMIT 500{}",
                db.backend.skip_locked()
            ))
            .bind(to_micros(now))
            .fetch_all(&mut *tx)
            .await?;
            if due.is_empty() {
                return Ok((0, tx));
            }
            let mut actions = Vec::with_capacity(due.len());
            for row in &due {
                let action: OnBreach = col::<String>(row, "on_breach")?
                    .parse()
                    .map_err(StoreError::corrupt)?;
                actions.push((col::<String>(row, "id")?, action));
            }
            let ids: Vec<String> = actions.iter().map(|(id, _)| id.clone()).collect();
            let mut rows = items::load_many(&mut tx, db.backend, &ids, RowLock::None).await?;
            let mut audit_events = Vec::new();
            let mut recipients = HashSet::new();
            let mut released = Vec::new();
            let mut changed = Vec::new();
            for row in &mut rows {
                let id = row.item.id.to_string();
                let Some((_, action)) = actions.iter().find(|(due_id, _)| *due_id == id) else {
                    continue;
                };
                let holder = row.holder.clone();
                let team = row.item.team.clone();
                if let Some(holder) = &holder {
                    recipients.insert(Recipients::User(holder.clone()));
                }
                match action {
                    OnBreach::Escalate if row.stage == Some(Stage::Review) => {
                        row.stage = Some(Stage::Escalation);
                        row.audience = Some(Audience::Seniors);
                        recipients.insert(Recipients::Escalated(EscalationNotice::of(&row.item)));
                        released.push(id.clone());
                        audit_events.push(AuditEvent::new(
                            DEADLINE_ACTOR,
                            AuditAction::Escalate,
                            Some(id.clone()),
                            json!({"reason": "deadline", "due_at": row.item.due_at, "from": holder}),
                        ));
                    }
                    OnBreach::Escalate => {
                        // Already seniors' work: it stays where it is, and they hear of it again.
                        recipients.insert(Recipients::work(Audience::Seniors, team.as_deref()));
                        audit_events.push(AuditEvent::new(
                            DEADLINE_ACTOR,
                            AuditAction::DeadlineMissed,
                            Some(id.clone()),
                            json!({"due_at": row.item.due_at, "stage": row.stage, "holder": holder}),
                        ));
                    }
                    OnBreach::TimeoutReject => {
                        row.finish(Outcome::Rejected);
                        row.item.decisions.push(DecisionRecord {
                            by: TIMEOUT_ACTOR.to_owned(),
                            action: Action::Reject,
                            correction: None,
                            reason_code: Some(TIMEOUT_REASON.to_owned()),
                            note: None,
                            at: now,
                            patch: None,
                            rationale: None,
                            tags: Vec::new(),
                            signature: None,
                            blind_judgement: None,
                        });
                        released.push(id.clone());
                        sqlx::query(
                            "INSERT INTO decisions (item_id, decision_id, by_user, action, \
                             correction, reason_code, note, at) \
                             VALUES ($1, $2, $3, $4, NULL, $5, NULL, $6)",
                        )
                        .bind(&id)
                        .bind(DecisionId::new_v7().to_string())
                        .bind(TIMEOUT_ACTOR)
                        .bind(wire_name(&Action::Reject))
                        .bind(TIMEOUT_REASON)
                        .bind(to_micros(now))
                        .execute(&mut *tx)
                        .await?;
                        // Every client that was sent the item hears `timed_out` on its next pull.
                        sqlx::query(
                            "UPDATE client_items SET removed_reason = $1, removed_in_generation = \
                             (SELECT c.pull_generation + 1 FROM clients c \
                              WHERE c.id = client_items.client_id) \
                             WHERE item_id = $2 AND removed_reason IS NULL",
                        )
                        .bind(RemovalReason::TimedOut.as_str())
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                        audit_events.push(AuditEvent::new(
                            TIMEOUT_ACTOR,
                            AuditAction::Decide,
                            Some(id.clone()),
                            json!({"action": "reject", "reason_code": TIMEOUT_REASON,
                                   "outcome": "rejected", "due_at": row.item.due_at,
                                   "holder": holder}),
                        ));
                        recipients.insert(Recipients::User(row.item.producer.clone()));
                        if let Some(event) = webhook::enqueue_if_wanted(&mut tx, &row.item, now).await? {
                            audit_events.push(event);
                        }
                    }
                }
                changed.push(id);
            }
            let changed_rows: Vec<&items::ItemRow> = rows.iter().collect();
            items::store_state(&mut tx, db.backend, &changed_rows).await?;
            leases::release(&mut tx, &released).await?;
            let sql = format!(
                "UPDATE items SET breached_at = $1 WHERE id IN ({})",
                placeholders(2, changed.len())
            );
            let mut mark = sqlx::query(&sql).bind(to_micros(now));
            for id in &changed {
                mark = mark.bind(id);
            }
            mark.execute(&mut *tx).await?;
            audit::append(&mut tx, db.backend, now, &audit_events).await?;
            state.events.announce(db, &mut tx, recipients).await?;
            Ok((changed.len(), tx))
        })
        .await?;
    if count > 0 {
        state.webhook_wake.notify_one();
    }
    Ok(count)
}

/// Whether a decided item's outcome is a timeout's (the last decision is [`TIMEOUT_ACTOR`]'s).
pub(crate) fn timed_out(row: &items::ItemRow) -> bool {
    row.item.status == ItemStatus::Decided
        && row
            .item
            .decisions
            .last()
            .is_some_and(|decision| decision.by == TIMEOUT_ACTOR)
}
