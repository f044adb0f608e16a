//! `POST /v1/sync/push`: judges and applies each client's mutations exactly once, in id order;
//! a resent id is answered with the stored result.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use countersign_domain::fatigue;
use countersign_domain::{
    Action, ClientId, EscalationNotice, Mutation, MutationId, MutationResult, MutationStatus,
    PushResponse, ResultCode, SignatureManifest,
};
use countersign_domain::{AuditAction, Item, ItemStatus, MentionNotice};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::rules::{
    ItemState, LeaseGrant, Transition, Verdict, as_recorded, judge, judge_comment, transition,
};
use super::{SyncError, settle};
use crate::AppState;
use crate::audience::Audience;
use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::context::SyncContext;
use crate::db::{
    Backend, ROWS_PER_STATEMENT, Tx, col, parse_wire, placeholders, to_micros, wire_name,
};
use crate::error::StoreError;
use crate::events::Recipients;
use crate::items::{self, ItemRow, RowLock};
use crate::signing::{self, Signer};
use crate::{audit_sample, comments, gold, kinds, leases, webhook};

/// Mutations accepted in one push.
pub const MAX_MUTATIONS_PER_PUSH: usize = 500;

/// `POST /v1/sync/push`.
pub async fn push(
    state: &AppState,
    caller: &Caller,
    client_id: ClientId,
    mutations: &[Mutation],
) -> Result<PushResponse, SyncError> {
    if mutations.len() > MAX_MUTATIONS_PER_PUSH {
        return Err(SyncError::TooManyMutations);
    }
    let mut ordered: Vec<&Mutation> = mutations.iter().collect();
    ordered.sort_by_key(|mutation| mutation.id);
    let db = &state.db;
    let ordered = &ordered;
    let (response, applied) = db
        .write(|mut tx| async move {
            let ctx = SyncContext::new(state, caller, client_id);
            settle(push_in(ctx, &mut tx, ordered).await, tx)
        })
        .await??;
    state.metrics.pushes.inc();
    for status in applied {
        state.metrics.mutation(status);
    }
    Ok(response)
}

async fn push_in(
    mut ctx: SyncContext<'_>,
    tx: &mut Tx,
    mutations: &[&Mutation],
) -> Result<(PushResponse, Vec<MutationStatus>), SyncError> {
    let client_id = ctx.client_id;
    let (last, _) = ctx.lock_client(tx).await?;
    // Split into ids seen before (replayed) and the run of new ids that follows without a gap.
    let mut answered = Vec::with_capacity(mutations.len());
    let mut replayed = Vec::new();
    let mut fresh = Vec::new();
    let mut next = last + 1;
    for mutation in mutations {
        let id = mutation.id.0 as i64;
        if id <= last {
            replayed.push(*mutation);
        } else if id == next {
            fresh.push(*mutation);
            next += 1;
        } else if id > next {
            break; // A gap: later ids wait until the missing one arrives.
        }
        answered.push(*mutation);
    }
    let mut known = stored_results(tx, client_id, &replayed).await?;
    let judged = apply_batch(&mut ctx, tx, &fresh).await?;
    let newly_judged = judged.iter().map(|result| result.status).collect();
    for (mutation, result) in fresh.iter().zip(judged) {
        known.insert(
            result.id.0 as i64,
            (mutation.decision_id.to_string(), result),
        );
    }
    let results = answered
        .iter()
        .map(|mutation| replay_result(mutation, known.get(&(mutation.id.0 as i64))))
        .collect();
    let last = next - 1;
    if !fresh.is_empty() {
        sqlx::query("UPDATE clients SET last_mutation_id = $1 WHERE id = $2")
            .bind(last)
            .bind(client_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    ctx.record(tx).await?;
    Ok((
        PushResponse {
            last_mutation_id: MutationId(last as u64),
            results,
        },
        newly_judged,
    ))
}

/// Stored results of earlier mutations: id → (decision id, result).
async fn stored_results(
    tx: &mut Tx,
    client_id: ClientId,
    mutations: &[&Mutation],
) -> Result<HashMap<i64, (String, MutationResult)>, SyncError> {
    let mut known = HashMap::new();
    if mutations.is_empty() {
        return Ok(known);
    }
    let sql = format!(
        "SELECT mutation_id, decision_id, status, code, message FROM mutation_results \
         WHERE client_id = $1 AND mutation_id IN ({})",
        placeholders(2, mutations.len())
    );
    let mut query = sqlx::query(&sql).bind(client_id.to_string());
    for mutation in mutations {
        query = query.bind(mutation.id.0 as i64);
    }
    for row in query.fetch_all(&mut **tx).await? {
        let id: i64 = col(&row, "mutation_id")?;
        let result = MutationResult {
            id: MutationId(id as u64),
            status: parse_wire(&col::<String>(&row, "status")?)?,
            code: col::<Option<String>>(&row, "code")?
                .as_deref()
                .map(parse_wire)
                .transpose()?,
            message: col(&row, "message")?,
        };
        known.insert(id, (col(&row, "decision_id")?, result));
    }
    Ok(known)
}

/// The answer for an id already judged. A different decision sent under a used id is refused
/// rather than reported as applied: it was never applied.
fn replay_result(mutation: &Mutation, known: Option<&(String, MutationResult)>) -> MutationResult {
    let refuse = |code: ResultCode, message: String| MutationResult {
        id: mutation.id,
        status: MutationStatus::Rejected,
        code: Some(code),
        message: Some(message),
    };
    match known {
        None => refuse(
            ResultCode::InvalidMutation,
            "mutation ids start at 1".into(),
        ),
        Some((decision_id, _)) if *decision_id != mutation.decision_id.to_string() => refuse(
            ResultCode::MutationIdReused,
            format!(
                "mutation id {} was already used for decision {decision_id}; this decision was not applied",
                mutation.id
            ),
        ),
        Some((_, result)) => result.clone(),
    }
}

async fn load_leases(
    conn: &mut AnyConnection,
    mutations: &[&Mutation],
) -> Result<HashMap<String, LeaseGrant>, StoreError> {
    let ids: Vec<String> = mutations
        .iter()
        .map(|mutation| mutation.lease_id.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sql = format!(
        "SELECT id, item_id, holder, epoch, stage FROM leases WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in &ids {
        query = query.bind(id);
    }
    let mut leases = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        leases.insert(
            col::<String>(&row, "id")?,
            LeaseGrant {
                item_id: col(&row, "item_id")?,
                holder: col(&row, "holder")?,
                epoch: col(&row, "epoch")?,
                stage: parse_wire(&col::<String>(&row, "stage")?)?,
            },
        );
    }
    Ok(leases)
}

/// The audit record of a mutation: everything the reviewer sent, including late opinions.
fn mutation_data(client_id: ClientId, mutation: &Mutation) -> Value {
    json!({
        "client_id": client_id, "mutation_id": mutation.id, "decision_id": mutation.decision_id,
        "lease_id": mutation.lease_id, "lease_epoch": mutation.lease_epoch,
        "action": mutation.action, "correction": mutation.correction,
        "reason_code": mutation.reason_code, "note": mutation.note,
        "attestation": mutation.attestation, "client_time": mutation.client_time,
        "patch": mutation.patch, "rationale": mutation.rationale, "tags": mutation.tags,
        "signature": mutation.signature, "blind_judgement": mutation.blind_judgement,
        "opened_at": mutation.opened_at,
    })
}

/// A valid mutation's `opened_at` must fit its decision's time (docs/protocol.md, "Reviewer
/// fatigue"): one after the decision or absurdly long before it is refused, whatever happened to
/// the item.
fn judge_opened_at(verdict: Verdict, mutation: &Mutation, now: DateTime<Utc>) -> Verdict {
    match (verdict, mutation.opened_at) {
        (verdict @ (Verdict::Apply(_) | Verdict::Conflict(..)), Some(opened)) => {
            match fatigue::check_opened_at(opened, mutation.client_time.unwrap_or(now)) {
                Ok(()) => verdict,
                Err(error) => Verdict::Rejected(ResultCode::InvalidOpenedAt, error.to_string()),
            }
        }
        (verdict, _) => verdict,
    }
}

/// Judges and applies a gap-free run of new mutations, in order, in this transaction. Items
/// are locked once and updated in memory, so a later mutation sees what an earlier one did.
async fn apply_batch(
    ctx: &mut SyncContext<'_>,
    tx: &mut Tx,
    mutations: &[&Mutation],
) -> Result<Vec<MutationResult>, StoreError> {
    if mutations.is_empty() {
        return Ok(Vec::new());
    }
    let (state, client_id, now) = (ctx.state, ctx.client_id, ctx.now);
    let backend = state.db.backend;
    let caller = ctx.caller;
    let caller = caller.name.as_str();
    let leases = load_leases(tx, mutations).await?;
    let item_ids: Vec<String> = mutations
        .iter()
        .map(|mutation| mutation.item_id.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut rows: HashMap<String, ItemRow> =
        items::load_many(tx, backend, &item_ids, RowLock::ForUpdate)
            .await?
            .into_iter()
            .map(|row| (row.item.id.to_string(), row))
            .collect();
    let kind_names: Vec<&str> = rows.values().map(|row| row.item.kind.as_str()).collect();
    let kinds = kinds::compiled_for(state, tx, &kind_names).await?;
    // Read only when some decision is signed: unsigned pushes cost nothing more.
    let signer = if mutations
        .iter()
        .any(|mutation| mutation.signature.is_some())
    {
        Signer::load(tx, caller).await?
    } else {
        Signer::unsigned(caller)
    };
    let mut results = Vec::with_capacity(mutations.len());
    let mut changed: Vec<String> = Vec::new();
    let mut decided: Vec<String> = Vec::new();
    let mut released_by_caller: Vec<String> = Vec::new();
    // The applied mutations as recorded (corrections with their patches), in order.
    let mut recorded_mutations: Vec<Mutation> = Vec::new();
    // Audit verdicts: kept apart from the decisions, never sent to the producer.
    let mut audit_verdicts: Vec<Mutation> = Vec::new();
    let mut gold_answers: Vec<gold::Answer> = Vec::new();
    // What there was to read in each applied mutation's item, in the same order.
    let mut reading: Vec<u64> = Vec::new();
    for mutation in mutations {
        let item_id = mutation.item_id.to_string();
        if mutation.action == Action::Comment {
            let item = rows.get(&item_id).map(|row| &row.item);
            results.push(comment(ctx, tx, mutation, item).await?);
            continue;
        }
        let lease = leases.get(&mutation.lease_id.to_string());
        let row = rows.get_mut(&item_id);
        let item_state = row.as_deref().map(|row| ItemState::of(row, lease));
        let kind = row
            .as_deref()
            .and_then(|row| kinds.get(&row.item.kind))
            .map(AsRef::as_ref);
        let verdict = match (
            judge(caller, mutation, lease, item_state.as_ref(), kind),
            row.as_deref(),
        ) {
            // A valid mutation's signature is judged before what happened to the item: a
            // decision that needs a signature and has no valid one is refused whatever client sent it.
            (verdict @ (Verdict::Apply(_) | Verdict::Conflict(..)), Some(row)) => {
                // Signed over the correction as recorded, whether it came whole or as a patch.
                let recorded = as_recorded(mutation, &row.item.ai.output);
                match signing::judge(&recorded, &row.item, &signer) {
                    Ok(()) => verdict,
                    Err((code, message)) => Verdict::Rejected(code, message),
                }
            }
            (verdict, _) => verdict,
        };
        let verdict = judge_opened_at(verdict, mutation, now);
        let mut data = mutation_data(client_id, mutation);
        let audit_item = row.as_ref().map(|_| item_id.clone());
        let result = |status, code: Option<ResultCode>, message: Option<String>| MutationResult {
            id: mutation.id,
            status,
            code,
            message,
        };
        let (applied, row) = match (verdict, row) {
            (Verdict::Rejected(code, message), _) => {
                data["code"] = json!(code);
                ctx.audit.push(AuditEvent::new(
                    caller,
                    AuditAction::MutationRejected,
                    audit_item,
                    data,
                ));
                results.push(result(MutationStatus::Rejected, Some(code), Some(message)));
                continue;
            }
            (Verdict::Conflict(reason, message), _) => {
                data["code"] = json!(reason);
                ctx.audit.push(AuditEvent::new(
                    caller,
                    AuditAction::Conflict,
                    audit_item,
                    data,
                ));
                results.push(result(
                    MutationStatus::Conflict,
                    Some(reason.into()),
                    Some(message),
                ));
                continue;
            }
            (Verdict::Apply(applied), Some(row)) => (applied, row),
            (Verdict::Apply(_), None) => {
                return Err(StoreError::corrupt("judge applied a mutation to no item"));
            }
        };
        let audience = row.audience.unwrap_or(Audience::Reviewers);
        let team = row.item.team.clone();
        let supersedes_timeout = item_state
            .as_ref()
            .is_some_and(|state| state.timed_out.is_some());
        let recorded = as_recorded(mutation, &row.item.ai.output);
        // The audit entry of an applied correction holds both forms, as the decision does.
        data["correction"] = json!(recorded.correction);
        data["patch"] = json!(recorded.patch);
        transition(row, applied, caller, &recorded, now);
        // A gold copy is scored at its first decision and goes no further: nobody else is told of
        // it (docs/protocol.md, "Gold items").
        let gold = row.gold_id.clone();
        if let Some(gold_id) = &gold
            && !matches!(applied, Transition::Release | Transition::Comment)
        {
            gold_answers.push(gold::Answer {
                item_id: item_id.clone(),
                gold_id: gold_id.clone(),
                kind: row.item.kind.clone(),
                action: mutation.action,
                reason_code: mutation.reason_code.clone(),
            });
            if !matches!(applied, Transition::Final(_)) {
                row.item.status = ItemStatus::Cancelled;
                row.stage = None;
                row.audience = None;
            }
        }
        let action = match applied {
            Transition::Final(outcome) => {
                data["outcome"] = json!(outcome);
                if supersedes_timeout {
                    data["supersedes"] = json!("timeout");
                }
                if gold.is_none() {
                    decided.push(item_id.clone());
                }
                AuditAction::Decide
            }
            Transition::AwaitSecondApproval => {
                data["awaiting"] = json!("second_approval");
                if gold.is_none() {
                    ctx.recipients
                        .insert(Recipients::work(audience, team.as_deref()));
                }
                AuditAction::Decide
            }
            Transition::Escalate => {
                if gold.is_none() {
                    ctx.recipients
                        .insert(Recipients::Escalated(EscalationNotice::of(&row.item)));
                }
                AuditAction::Escalate
            }
            Transition::Release => {
                ctx.recipients
                    .insert(Recipients::work(audience, team.as_deref()));
                released_by_caller.push(item_id.clone());
                AuditAction::Release
            }
            // Comments are judged by `comment` and never reach here.
            Transition::Comment => AuditAction::Comment,
            Transition::Audit => {
                data["verdict"] = json!(mutation.action);
                AuditAction::AuditVerdict
            }
        };
        // Other devices of the same reviewer drop the item on their next pull.
        ctx.recipients.insert(Recipients::User(caller.to_owned()));
        if !changed.contains(&item_id) {
            changed.push(item_id.clone());
        }
        ctx.audit
            .push(AuditEvent::new(caller, action, Some(item_id), data));
        results.push(result(MutationStatus::Applied, None, None));
        if applied == Transition::Audit {
            audit_verdicts.push(recorded);
        } else {
            recorded_mutations.push(recorded);
            reading.push(fatigue::reading_chars(
                &row.item.title,
                &row.item.payload,
                &row.item.ai.output,
            ));
        }
    }

    let applied: Vec<(&Mutation, u64)> = recorded_mutations.iter().zip(reading).collect();
    let changed_rows: Vec<&ItemRow> = changed.iter().filter_map(|id| rows.get(id)).collect();
    items::store_state(tx, backend, &changed_rows).await?;
    let released: Vec<String> = changed_rows
        .iter()
        .filter(|row| row.holder.is_none())
        .map(|row| row.item.id.to_string())
        .collect();
    leases::release(tx, &released).await?;
    leases::mark_released(tx, &released_by_caller, caller, now).await?;
    insert_decisions(tx, backend, caller, &applied, now).await?;
    for verdict in &audit_verdicts {
        audit_sample::record_verdict(tx, verdict, caller, now).await?;
    }
    gold::score(tx, ctx, &gold_answers).await?;
    insert_results(tx, backend, client_id, mutations, &results).await?;
    if !changed.is_empty() {
        // The item has left this client; it needs no removal notice for it.
        let sql = format!(
            "DELETE FROM client_items WHERE client_id = $1 AND item_id IN ({})",
            placeholders(2, changed.len())
        );
        let mut delete = sqlx::query(&sql).bind(client_id.to_string());
        for id in &changed {
            delete = delete.bind(id);
        }
        delete.execute(&mut **tx).await?;
    }
    for id in decided {
        let Some(row) = rows.get(&id) else { continue };
        // The producer's event stream tells a waiting SDK to read its item (docs/protocol.md, "Events").
        ctx.recipients
            .insert(Recipients::User(row.item.producer.clone()));
        if let Some(event) = webhook::enqueue_if_wanted(tx, &row.item, now).await? {
            ctx.audit.push(event);
        }
    }
    Ok(results)
}

/// Judges and records one comment (docs/protocol.md, "Comments"): an audit entry `comment` with
/// the people it notifies, or `mutation_rejected`; the item and its lease stay as they are.
/// `item` is `None` when there is no such item.
async fn comment(
    ctx: &mut SyncContext<'_>,
    tx: &mut Tx,
    mutation: &Mutation,
    item: Option<&Item>,
) -> Result<MutationResult, StoreError> {
    let author = ctx.caller.name.as_str();
    let item_id = mutation.item_id.to_string();
    let may_ask = item.is_some() && comments::may_ask(tx, ctx.caller, &item_id).await?;
    let mut data = mutation_data(ctx.client_id, mutation);
    let audit_item = item.map(|_| item_id.clone());
    // `may_ask` is false for an unknown item, so an accepted comment has its item.
    let judged = judge_comment(mutation, may_ask)
        .and_then(|()| item.ok_or((ResultCode::Forbidden, format!("there is no item {item_id}"))));
    let (status, code, message) = match judged {
        Ok(item) => {
            let text = mutation.note.as_deref().unwrap_or_default();
            let notified = comments::mentioned(tx, &item_id, text, author).await?;
            for user in &notified {
                let cut = |text: &str| text.chars().take(MentionNotice::EXCERPT_CHARS).collect();
                ctx.recipients.insert(Recipients::Mentioned {
                    user: user.clone(),
                    notice: MentionNotice {
                        item_id: mutation.item_id,
                        title: cut(&item.title),
                        kind: item.kind.clone(),
                        team: item.team.clone(),
                        by: author.to_owned(),
                        comment_id: mutation.decision_id,
                        excerpt: cut(text),
                    },
                });
            }
            data["mentions"] = json!(notified);
            ctx.audit.push(AuditEvent::new(
                author,
                AuditAction::Comment,
                audit_item,
                data,
            ));
            (MutationStatus::Applied, None, None)
        }
        Err((code, message)) => {
            data["code"] = json!(code);
            ctx.audit.push(AuditEvent::new(
                author,
                AuditAction::MutationRejected,
                audit_item,
                data,
            ));
            (MutationStatus::Rejected, Some(code), Some(message))
        }
    };
    Ok(MutationResult {
        id: mutation.id,
        status,
        code,
        message,
    })
}

/// Records the applied decisions, each with what there was to read in its item.
async fn insert_decisions(
    tx: &mut Tx,
    backend: Backend,
    caller: &str,
    applied: &[(&Mutation, u64)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let recorded: Vec<&(&Mutation, u64)> = applied
        .iter()
        .filter(|(mutation, _)| !matches!(mutation.action, Action::Release | Action::Comment))
        .collect();
    for chunk in recorded.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO decisions (item_id, decision_id, by_user, action, correction, \
             reason_code, note, at, patch, rationale, tags, signature, blind_verdict, \
             blind_confidence, blind_note, blind_recorded_at, opened_at, decided_at, \
             reading_chars) VALUES {}",
            backend.values_rows(chunk.len(), 19)
        );
        let mut insert = sqlx::query(&sql);
        for (mutation, reading_chars) in chunk {
            let edited = mutation.action == Action::ApproveWithEdits;
            let correction = edited
                .then(|| mutation.correction.as_ref().map(Value::to_string))
                .flatten();
            let patch = edited
                .then(|| mutation.patch.as_ref().map(serde_json::to_string))
                .flatten()
                .transpose()?;
            let tags = (!mutation.tags.is_empty())
                .then(|| serde_json::to_string(&mutation.tags))
                .transpose()?;
            insert = insert
                .bind(mutation.item_id.to_string())
                .bind(mutation.decision_id.to_string())
                .bind(caller)
                .bind(wire_name(&mutation.action))
                .bind(correction)
                .bind(mutation.reason_code.as_deref())
                .bind(mutation.note.as_deref())
                .bind(to_micros(now))
                .bind(patch)
                .bind(mutation.rationale.as_deref())
                .bind(tags)
                .bind(
                    mutation
                        .signature
                        .as_ref()
                        .map(|envelope| serde_json::to_string(&SignatureManifest::from(envelope)))
                        .transpose()?,
                );
            let blind = mutation.blind_judgement.as_ref();
            insert = insert
                .bind(blind.map(|judgement| judgement.verdict.as_str()))
                .bind(blind.map(|judgement| i64::from(judgement.confidence)))
                .bind(blind.and_then(|judgement| judgement.note.as_deref()))
                .bind(blind.map(|judgement| to_micros(judgement.recorded_at)))
                .bind(mutation.opened_at.map(to_micros))
                .bind(to_micros(mutation.client_time.unwrap_or(now)))
                .bind(i64::try_from(*reading_chars).unwrap_or(i64::MAX));
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_results(
    tx: &mut Tx,
    backend: Backend,
    client_id: ClientId,
    mutations: &[&Mutation],
    results: &[MutationResult],
) -> Result<(), StoreError> {
    let pairs: Vec<(&&Mutation, &MutationResult)> = mutations.iter().zip(results).collect();
    for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO mutation_results (client_id, mutation_id, decision_id, status, code, \
             message) VALUES {}",
            backend.values_rows(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (mutation, result) in chunk {
            insert = insert
                .bind(client_id.to_string())
                .bind(mutation.id.0 as i64)
                .bind(mutation.decision_id.to_string())
                .bind(wire_name(&result.status))
                .bind(result.code.map(ResultCode::as_str))
                .bind(result.message.as_deref());
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}
