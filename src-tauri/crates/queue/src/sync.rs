//! Reviewer sync: `pull` tops up and renews a user's leases; `push` applies mutations exactly
//! once per client. [`judge`] is the pure rule book for one mutation; the rest is I/O around it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use countersign_domain::{
    Action, Assignment, ClientId, DecisionRecord, Epoch, ItemStatus, Lease, LeaseId, Mutation,
    MutationId, MutationResult, MutationStatus, Outcome, PullResponse, PushResponse, Removal,
    RemovalReason, Role, Stage,
};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::{ROWS_PER_STATEMENT, Tx, col, to_micros, values_rows};
use crate::error::StoreError;
use crate::events::Audience;
use crate::items::{
    self, ITEM_COLUMNS, ItemRow, POOL_REVIEWERS, POOL_SENIORS, parse_wire, placeholders, wire_name,
};
use crate::webhook;

const MAX_NOTE_CHARS: usize = 20_000;
const MAX_CODE_CHARS: usize = 200;
/// Mutations accepted in one push.
pub const MAX_MUTATIONS_PER_PUSH: usize = 500;

/// Why a sync request is refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("client {0} belongs to another user; each user needs a client id of their own")]
    ForeignClient(ClientId),
    #[error("the cursor was not issued to this client; pull with cursor null to start over")]
    BadCursor,
    #[error("a push carries at most {MAX_MUTATIONS_PER_PUSH} mutations")]
    TooManyMutations,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SyncError {
    fn from(error: sqlx::Error) -> Self {
        SyncError::Store(error.into())
    }
}

/// The lease a mutation claims to act under, as granted.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseGrant {
    pub item_id: String,
    pub holder: String,
    pub epoch: i64,
    pub stage: Stage,
}

/// What the rules need to know about the item now.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    pub status: ItemStatus,
    pub stage: Option<Stage>,
    pub epoch: i64,
    pub approvals_required: i64,
    pub first_approver: Option<String>,
    pub first_action: Option<Action>,
    pub output: Value,
}

/// What applying a mutation does to its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Final(Outcome),
    AwaitSecondApproval,
    Escalate,
    Release,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Apply(Transition),
    Conflict(RemovalReason, String),
    Rejected(&'static str, String),
}

fn same_json_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn too_long(text: Option<&str>, limit: usize) -> bool {
    text.is_some_and(|text| text.chars().count() > limit)
}

/// The rule book for one mutation. Validity is checked before conflicts: an invalid mutation is
/// `Rejected` whatever happened to the item meanwhile.
pub fn judge(
    caller: &str,
    mutation: &Mutation,
    lease: Option<&LeaseGrant>,
    item: Option<&ItemState>,
) -> Verdict {
    let item_id = mutation.item_id.to_string();
    let (Some(lease), Some(item)) = (lease, item) else {
        return Verdict::Rejected(
            "forbidden",
            format!(
                "lease {} was never granted to you for item {item_id}",
                mutation.lease_id
            ),
        );
    };
    if lease.item_id != item_id || lease.holder != caller {
        return Verdict::Rejected(
            "forbidden",
            format!(
                "lease {} was never granted to you for item {item_id}",
                mutation.lease_id
            ),
        );
    }
    if mutation.lease_epoch.0 != lease.epoch as u64 {
        return Verdict::Rejected(
            "invalid_mutation",
            format!(
                "lease {} has epoch {}, not {}",
                mutation.lease_id, lease.epoch, mutation.lease_epoch
            ),
        );
    }
    if too_long(mutation.note.as_deref(), MAX_NOTE_CHARS) {
        return Verdict::Rejected(
            "invalid_mutation",
            format!("a note has at most {MAX_NOTE_CHARS} characters"),
        );
    }
    if too_long(mutation.reason_code.as_deref(), MAX_CODE_CHARS) {
        return Verdict::Rejected(
            "invalid_mutation",
            format!("a reason code has at most {MAX_CODE_CHARS} characters"),
        );
    }
    match mutation.action {
        Action::ApproveWithEdits => match &mutation.correction {
            None | Some(Value::Null) => {
                return Verdict::Rejected(
                    "invalid_mutation",
                    "approve_with_edits needs a correction: the human version of the AI output"
                        .into(),
                );
            }
            Some(correction) if !same_json_type(correction, &item.output) => {
                return Verdict::Rejected(
                    "invalid_mutation",
                    "the correction must have the same JSON type as the AI output".into(),
                );
            }
            Some(_) => {}
        },
        Action::Reject => {
            if mutation
                .reason_code
                .as_deref()
                .is_none_or(|code| code.trim().is_empty())
            {
                return Verdict::Rejected("invalid_mutation", "reject needs a reason_code".into());
            }
        }
        Action::Approve | Action::Escalate | Action::Release => {}
    }
    match (lease.stage, mutation.action) {
        (Stage::Escalation, Action::Escalate) => {
            return Verdict::Rejected("invalid_mutation", "the item is already escalated".into());
        }
        (Stage::SecondApproval, Action::Escalate | Action::ApproveWithEdits) => {
            return Verdict::Rejected(
                "invalid_mutation",
                "a second approval approves or rejects the first approver's decision as it stands"
                    .into(),
            );
        }
        _ => {}
    }
    let decides = matches!(
        mutation.action,
        Action::Approve | Action::ApproveWithEdits | Action::Reject
    );
    if decides
        && item.stage == Some(Stage::SecondApproval)
        && item.first_approver.as_deref() == Some(caller)
    {
        return Verdict::Rejected(
            "same_approver",
            "the second approval must come from someone other than the first approver".into(),
        );
    }

    match item.status {
        ItemStatus::Cancelled => {
            return Verdict::Conflict(
                RemovalReason::Cancelled,
                "the producer withdrew the item".into(),
            );
        }
        ItemStatus::Decided | ItemStatus::AutoApproved => {
            return Verdict::Conflict(
                RemovalReason::DecidedElsewhere,
                "the item was decided elsewhere".into(),
            );
        }
        ItemStatus::Pending => {}
    }
    if item.epoch != lease.epoch || item.stage != Some(lease.stage) {
        return Verdict::Conflict(
            RemovalReason::Reassigned,
            format!(
                "the item was reassigned (lease epoch {} is no longer current)",
                lease.epoch
            ),
        );
    }

    let edited = mutation.action == Action::ApproveWithEdits;
    Verdict::Apply(match mutation.action {
        Action::Reject => Transition::Final(Outcome::Rejected),
        Action::Approve | Action::ApproveWithEdits => {
            if lease.stage == Stage::SecondApproval {
                let first_edited = item.first_action == Some(Action::ApproveWithEdits);
                Transition::Final(if first_edited {
                    Outcome::ApprovedWithEdits
                } else {
                    Outcome::Approved
                })
            } else if item.approvals_required >= 2 {
                Transition::AwaitSecondApproval
            } else if edited {
                Transition::Final(Outcome::ApprovedWithEdits)
            } else {
                Transition::Final(Outcome::Approved)
            }
        }
        Action::Escalate => Transition::Escalate,
        Action::Release => Transition::Release,
    })
}

/// Finds or registers a client for `caller`, locked for this transaction.
async fn lock_client(
    state: &AppState,
    tx: &mut Tx,
    client_id: ClientId,
    caller: &str,
    now: DateTime<Utc>,
) -> Result<(i64, i64), SyncError> {
    let lock = state.db.backend.for_update();
    let select =
        format!("SELECT owner, last_mutation_id, pull_generation FROM clients WHERE id = $1{lock}");
    let mut row = sqlx::query(&select)
        .bind(client_id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    if row.is_none() {
        sqlx::query(
            "INSERT INTO clients (id, owner, last_mutation_id, pull_generation, created_at) \
             VALUES ($1, $2, 0, 0, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(client_id.to_string())
        .bind(caller)
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
        row = Some(
            sqlx::query(&select)
                .bind(client_id.to_string())
                .fetch_one(&mut **tx)
                .await?,
        );
    }
    let row = row.ok_or_else(|| StoreError::corrupt("client row vanished"))?;
    let owner: String = col(&row, "owner")?;
    if owner != caller {
        return Err(SyncError::ForeignClient(client_id));
    }
    Ok((
        col(&row, "last_mutation_id")?,
        col(&row, "pull_generation")?,
    ))
}

fn parse_cursor(cursor: &str, generation: i64) -> Result<i64, SyncError> {
    let seen: i64 = cursor
        .strip_prefix('g')
        .and_then(|n| n.parse().ok())
        .ok_or(SyncError::BadCursor)?;
    if !(0..=generation).contains(&seen) {
        return Err(SyncError::BadCursor);
    }
    Ok(seen)
}

/// Pools a user may take work from.
fn pools_for(role: Role) -> &'static [&'static str] {
    match role {
        Role::Senior => &[POOL_SENIORS, POOL_REVIEWERS],
        Role::Reviewer => &[POOL_REVIEWERS],
        Role::Producer | Role::Admin => &[],
    }
}

/// Grants up to `wanted` unheld items to `caller`, seniors' work first for seniors, then by
/// priority. Each grant is a new lease with the next epoch.
async fn claim(
    state: &AppState,
    tx: &mut Tx,
    caller: &str,
    role: Role,
    wanted: i64,
    now: DateTime<Utc>,
    audit_events: &mut Vec<AuditEvent>,
) -> Result<(), SyncError> {
    let pools = pools_for(role);
    if wanted <= 0 || pools.is_empty() {
        return Ok(());
    }
    // One pool at a time, seniors' first: each query walks the claimable index in order
    // instead of sorting every free item.
    let sql = format!(
        "SELECT id, epoch, stage FROM items \
         WHERE status = 'pending' AND holder IS NULL AND audience = $1 \
         AND (first_approver IS NULL OR first_approver <> $2) \
         ORDER BY priority DESC, created_at LIMIT $3{}",
        state.db.backend.skip_locked()
    );
    let mut rows = Vec::new();
    for pool in pools {
        let still_wanted = wanted - rows.len() as i64;
        if still_wanted <= 0 {
            break;
        }
        rows.extend(
            sqlx::query(&sql)
                .bind(*pool)
                .bind(caller)
                .bind(still_wanted)
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    let expires = to_micros(now + state.lease_duration);
    let mut grants = Vec::with_capacity(rows.len());
    for row in rows {
        grants.push((
            col::<String>(&row, "id")?,
            LeaseId::new_v7().to_string(),
            col::<i64>(&row, "epoch")? + 1,
            col::<String>(&row, "stage")?,
        ));
    }
    for chunk in grants.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "WITH v (id, lease_id, epoch, holder, lease_expires_at) AS (VALUES {}) \
             UPDATE items SET lease_id = v.lease_id, epoch = v.epoch, holder = v.holder, \
             lease_expires_at = v.lease_expires_at FROM v WHERE items.id = v.id",
            values_rows(chunk.len(), 5)
        );
        let mut update = sqlx::query(&sql);
        for (id, lease_id, epoch, _) in chunk {
            update = update
                .bind(id)
                .bind(lease_id)
                .bind(*epoch)
                .bind(caller)
                .bind(expires);
        }
        update.execute(&mut **tx).await?;
        let sql = format!(
            "INSERT INTO leases (id, item_id, holder, epoch, stage, granted_at) VALUES {}",
            values_rows(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (id, lease_id, epoch, stage) in chunk {
            insert = insert
                .bind(lease_id)
                .bind(id)
                .bind(caller)
                .bind(*epoch)
                .bind(stage)
                .bind(to_micros(now));
        }
        insert.execute(&mut **tx).await?;
    }
    for (id, lease_id, epoch, stage) in grants {
        audit_events.push(AuditEvent::new(
            caller,
            "assign",
            Some(id),
            json!({"lease_id": lease_id, "epoch": epoch, "stage": stage}),
        ));
    }
    Ok(())
}

/// `POST /v1/sync/pull`.
pub async fn pull(
    state: &AppState,
    caller: &str,
    role: Role,
    client_id: ClientId,
    cursor: Option<&str>,
) -> Result<PullResponse, SyncError> {
    let db = &state.db;
    let result = db
        .write(|mut tx| async move {
            match pull_in(state, &mut tx, caller, role, client_id, cursor).await {
                Ok(response) => Ok((Ok(response), tx)),
                Err(SyncError::Store(error)) => Err(error),
                // Refusals happen before anything is written but a new client's registration.
                Err(refusal) => Ok((Err(refusal), tx)),
            }
        })
        .await?;
    if result.is_ok() {
        state.metrics.pulls.inc();
    }
    result
}

async fn pull_in(
    state: &AppState,
    tx: &mut Tx,
    caller: &str,
    role: Role,
    client_id: ClientId,
    cursor: Option<&str>,
) -> Result<PullResponse, SyncError> {
    let now = state.now();
    let (last_mutation_id, generation) = lock_client(state, tx, client_id, caller, now).await?;
    let seen = cursor
        .map(|cursor| parse_cursor(cursor, generation))
        .transpose()?;
    sqlx::query("UPDATE users SET last_pull_at = $1 WHERE name = $2")
        .bind(to_micros(now))
        .bind(caller)
        .execute(&mut **tx)
        .await?;

    let held_row =
        sqlx::query("SELECT COUNT(*) AS held FROM items WHERE holder = $1 AND status = 'pending'")
            .bind(caller)
            .fetch_one(&mut **tx)
            .await?;
    let held: i64 = col(&held_row, "held")?;
    let mut audit_events = Vec::new();
    claim(
        state,
        tx,
        caller,
        role,
        i64::from(state.policy.prefetch) - held,
        now,
        &mut audit_events,
    )
    .await?;

    // Renew every lease, except those granted or renewed within the last minute (or tenth of
    // the lease): rewriting them would change nothing a reviewer could notice.
    let expires = now + state.lease_duration;
    let fresh_enough = expires - (state.lease_duration / 10).min(chrono::Duration::minutes(1));
    sqlx::query(
        "UPDATE items SET lease_expires_at = $1 \
         WHERE holder = $2 AND status = 'pending' AND lease_expires_at < $3",
    )
    .bind(to_micros(expires))
    .bind(caller)
    .bind(to_micros(fresh_enough))
    .execute(&mut **tx)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE holder = $1 AND status = 'pending' \
         ORDER BY priority DESC, created_at"
    ))
    .bind(caller)
    .fetch_all(&mut **tx)
    .await?;
    let mut held_rows = rows
        .iter()
        .map(ItemRow::parse)
        .collect::<Result<Vec<_>, _>>()?;
    items::attach_decisions(tx, &mut held_rows).await?;

    let new_generation = generation + 1;
    let (removed, new_to_client) = track_client_items(
        tx,
        client_id,
        seen,
        new_generation,
        &held_rows,
        cursor.is_none(),
    )
    .await?;
    sqlx::query("UPDATE clients SET pull_generation = $1 WHERE id = $2")
        .bind(new_generation)
        .bind(client_id.to_string())
        .execute(&mut **tx)
        .await?;
    audit::append(&state.db, tx, now, &audit_events).await?;

    // New or changed since the cursor: everything when the client starts over or missed a
    // response (its cursor is not the latest), else what it has not been sent and what this pull
    // granted or renewed. A held item changes only through its lease or its holder's own pushes.
    let everything = seen != Some(generation);
    let assignments = held_rows
        .into_iter()
        .filter(|row| {
            everything
                || row.lease_expires_at == Some(expires)
                || new_to_client.contains(&row.item.id.to_string())
        })
        .map(|row| {
            let stage = row
                .stage
                .ok_or_else(|| StoreError::corrupt("a held item has no stage"))?;
            let lease_id = row
                .lease_id
                .as_deref()
                .ok_or_else(|| StoreError::corrupt("a held item has no lease"))?
                .parse()
                .map_err(StoreError::corrupt)?;
            Ok(Assignment {
                item: row.item,
                stage,
                lease: Lease {
                    id: lease_id,
                    epoch: Epoch(row.epoch as u64),
                    expires_at: row.lease_expires_at.unwrap_or(expires),
                },
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(PullResponse {
        cursor: format!("g{new_generation}"),
        last_mutation_id: MutationId(last_mutation_id as u64),
        server_time: now,
        assignments,
        removed,
    })
}

/// Remembers what each client was sent so that it hears about every item taken away from it.
/// A removal is repeated until the client pulls with a cursor from the response that carried it.
/// Returns the removals to report and the held items this client had not been sent before.
async fn track_client_items(
    tx: &mut Tx,
    client_id: ClientId,
    seen_generation: Option<i64>,
    new_generation: i64,
    held: &[ItemRow],
    full_resync: bool,
) -> Result<(Vec<Removal>, HashSet<String>), SyncError> {
    let client = client_id.to_string();
    if full_resync {
        sqlx::query("DELETE FROM client_items WHERE client_id = $1")
            .bind(&client)
            .execute(&mut **tx)
            .await?;
    } else if let Some(seen) = seen_generation {
        sqlx::query(
            "DELETE FROM client_items WHERE client_id = $1 AND removed_in_generation <= $2",
        )
        .bind(&client)
        .bind(seen)
        .execute(&mut **tx)
        .await?;
    }
    let held_ids: HashSet<String> = held.iter().map(|row| row.item.id.to_string()).collect();
    let known = sqlx::query(
        "SELECT c.item_id, c.removed_reason, i.status, i.holder FROM client_items c \
         JOIN items i ON i.id = c.item_id WHERE c.client_id = $1",
    )
    .bind(&client)
    .fetch_all(&mut **tx)
    .await?;
    let mut removed = Vec::new();
    let mut known_ids = HashSet::new();
    for row in known {
        let item_id: String = col(&row, "item_id")?;
        let reason: Option<String> = col(&row, "removed_reason")?;
        let held_now = held_ids.contains(&item_id);
        known_ids.insert(item_id.clone());
        let reason = match (reason, held_now) {
            (Some(_), true) => {
                // Taken away, then given back before the client confirmed: it is simply held.
                sqlx::query(
                    "UPDATE client_items SET removed_reason = NULL, removed_in_generation = NULL \
                     WHERE client_id = $1 AND item_id = $2",
                )
                .bind(&client)
                .bind(&item_id)
                .execute(&mut **tx)
                .await?;
                continue;
            }
            (None, true) => continue,
            (Some(reason), false) => parse_wire::<RemovalReason>(&reason)?,
            (None, false) => {
                let status: ItemStatus = parse_wire(&col::<String>(&row, "status")?)?;
                let reason = match status {
                    ItemStatus::Cancelled => RemovalReason::Cancelled,
                    ItemStatus::Decided | ItemStatus::AutoApproved => {
                        RemovalReason::DecidedElsewhere
                    }
                    ItemStatus::Pending => RemovalReason::Reassigned,
                };
                sqlx::query(
                    "UPDATE client_items SET removed_reason = $1, removed_in_generation = $2 \
                     WHERE client_id = $3 AND item_id = $4",
                )
                .bind(reason.as_str())
                .bind(new_generation)
                .bind(&client)
                .bind(&item_id)
                .execute(&mut **tx)
                .await?;
                reason
            }
        };
        removed.push(Removal {
            item_id: item_id.parse().map_err(StoreError::corrupt)?,
            reason,
        });
    }
    let new_ids: Vec<String> = held_ids.difference(&known_ids).cloned().collect();
    for chunk in new_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO client_items (client_id, item_id) VALUES {}",
            values_rows(chunk.len(), 2)
        );
        let mut insert = sqlx::query(&sql);
        for id in chunk {
            insert = insert.bind(&client).bind(id);
        }
        insert.execute(&mut **tx).await?;
    }
    Ok((removed, new_ids.into_iter().collect()))
}

/// `POST /v1/sync/push`.
pub async fn push(
    state: &AppState,
    caller: &str,
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
            match push_in(state, &mut tx, caller, client_id, ordered).await {
                Ok(outcome) => Ok((Ok(outcome), tx)),
                Err(SyncError::Store(error)) => Err(error),
                Err(refusal) => Ok((Err(refusal), tx)),
            }
        })
        .await??;
    state.metrics.pushes.inc();
    for status in applied {
        state.metrics.mutation(status);
    }
    Ok(response)
}

async fn push_in(
    state: &AppState,
    tx: &mut Tx,
    caller: &str,
    client_id: ClientId,
    mutations: &[&Mutation],
) -> Result<(PushResponse, Vec<MutationStatus>), SyncError> {
    let now = state.now();
    let (last, _) = lock_client(state, tx, client_id, caller, now).await?;
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
    let mut audit_events = Vec::new();
    let mut audiences = HashSet::new();
    let judged = apply_batch(
        state,
        tx,
        caller,
        client_id,
        &fresh,
        now,
        &mut audit_events,
        &mut audiences,
    )
    .await?;
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
    audit::append(&state.db, tx, now, &audit_events).await?;
    state.events.announce(&state.db, tx, audiences).await?;
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
            code: col(&row, "code")?,
            message: col(&row, "message")?,
        };
        known.insert(id, (col(&row, "decision_id")?, result));
    }
    Ok(known)
}

/// The answer for an id already judged. A different decision sent under a used id is refused
/// rather than reported as applied: it was never applied.
fn replay_result(mutation: &Mutation, known: Option<&(String, MutationResult)>) -> MutationResult {
    let refuse = |code: &str, message: String| MutationResult {
        id: mutation.id,
        status: MutationStatus::Rejected,
        code: Some(code.to_owned()),
        message: Some(message),
    };
    match known {
        None => refuse("invalid_mutation", "mutation ids start at 1".into()),
        Some((decision_id, _)) if *decision_id != mutation.decision_id.to_string() => refuse(
            "mutation_id_reused",
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

impl From<&ItemRow> for ItemState {
    fn from(row: &ItemRow) -> Self {
        ItemState {
            status: row.item.status,
            stage: row.stage,
            epoch: row.epoch,
            approvals_required: row.item.approvals_required,
            first_approver: row.first_approver.clone(),
            first_action: row.first_action,
            output: row.item.ai.output.clone(),
        }
    }
}

/// Applies an accepted mutation to the item in memory; the caller writes it back.
pub fn transition(
    row: &mut ItemRow,
    transition: Transition,
    caller: &str,
    mutation: &Mutation,
    now: DateTime<Utc>,
) {
    if mutation.action != Action::Release {
        row.item.decisions.push(DecisionRecord {
            by: caller.to_owned(),
            action: mutation.action,
            correction: (mutation.action == Action::ApproveWithEdits)
                .then(|| mutation.correction.clone())
                .flatten(),
            reason_code: mutation.reason_code.clone(),
            note: mutation.note.clone(),
            at: now,
        });
    }
    let release = |row: &mut ItemRow| {
        row.holder = None;
        row.lease_id = None;
        row.lease_expires_at = None;
    };
    match transition {
        Transition::Final(outcome) => {
            row.item.status = ItemStatus::Decided;
            row.item.outcome = Some(outcome);
            row.stage = None;
            row.pool = None;
            release(row);
        }
        Transition::AwaitSecondApproval => {
            row.stage = Some(Stage::SecondApproval);
            row.first_approver = Some(caller.to_owned());
            row.first_action = Some(mutation.action);
            release(row);
        }
        Transition::Escalate => {
            row.stage = Some(Stage::Escalation);
            row.pool = Some(POOL_SENIORS.to_owned());
            release(row);
        }
        Transition::Release => {
            if row.holder.as_deref() == Some(caller) {
                release(row);
            }
        }
    }
}

/// The audit record of a mutation: everything the reviewer sent, including late opinions.
fn mutation_data(client_id: ClientId, mutation: &Mutation) -> Value {
    json!({
        "client_id": client_id, "mutation_id": mutation.id, "decision_id": mutation.decision_id,
        "lease_id": mutation.lease_id, "lease_epoch": mutation.lease_epoch,
        "action": mutation.action, "correction": mutation.correction,
        "reason_code": mutation.reason_code, "note": mutation.note,
        "attestation": mutation.attestation, "client_time": mutation.client_time,
    })
}

/// Judges and applies a gap-free run of new mutations, in order, in this transaction. Items
/// are locked once and updated in memory, so a later mutation sees what an earlier one did.
#[allow(clippy::too_many_arguments)] // one transaction's context, passed down once
async fn apply_batch(
    state: &AppState,
    tx: &mut Tx,
    caller: &str,
    client_id: ClientId,
    mutations: &[&Mutation],
    now: DateTime<Utc>,
    audit_events: &mut Vec<AuditEvent>,
    audiences: &mut HashSet<Audience>,
) -> Result<Vec<MutationResult>, StoreError> {
    if mutations.is_empty() {
        return Ok(Vec::new());
    }
    let leases = load_leases(tx, mutations).await?;
    let item_ids: Vec<String> = mutations
        .iter()
        .map(|mutation| mutation.item_id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut rows: HashMap<String, ItemRow> =
        items::load_many(tx, &item_ids, state.db.backend.for_update())
            .await?
            .into_iter()
            .map(|row| (row.item.id.to_string(), row))
            .collect();
    let mut results = Vec::with_capacity(mutations.len());
    let mut changed: Vec<String> = Vec::new();
    let mut decided: Vec<String> = Vec::new();
    for mutation in mutations {
        let item_id = mutation.item_id.to_string();
        let lease = leases.get(&mutation.lease_id.to_string());
        let row = rows.get_mut(&item_id);
        let item_state = row.as_deref().map(ItemState::from);
        let verdict = judge(caller, mutation, lease, item_state.as_ref());
        let mut data = mutation_data(client_id, mutation);
        let audit_item = row.as_ref().map(|_| item_id.clone());
        let result = |status, code: Option<&str>, message: Option<String>| MutationResult {
            id: mutation.id,
            status,
            code: code.map(str::to_owned),
            message,
        };
        let (applied, row) = match (verdict, row) {
            (Verdict::Rejected(code, message), _) => {
                data["code"] = json!(code);
                audit_events.push(AuditEvent::new(
                    caller,
                    "mutation_rejected",
                    audit_item,
                    data,
                ));
                results.push(result(MutationStatus::Rejected, Some(code), Some(message)));
                continue;
            }
            (Verdict::Conflict(reason, message), _) => {
                data["code"] = json!(reason);
                audit_events.push(AuditEvent::new(caller, "conflict", audit_item, data));
                results.push(result(
                    MutationStatus::Conflict,
                    Some(reason.as_str()),
                    Some(message),
                ));
                continue;
            }
            (Verdict::Apply(applied), Some(row)) => (applied, row),
            (Verdict::Apply(_), None) => {
                return Err(StoreError::corrupt("judge applied a mutation to no item"));
            }
        };
        let pool = row.pool.clone().unwrap_or_else(|| POOL_REVIEWERS.into());
        transition(row, applied, caller, mutation, now);
        let action = match applied {
            Transition::Final(outcome) => {
                data["outcome"] = json!(outcome);
                decided.push(item_id.clone());
                "decide"
            }
            Transition::AwaitSecondApproval => {
                data["awaiting"] = json!("second_approval");
                audiences.insert(Audience::for_pool(&pool));
                "decide"
            }
            Transition::Escalate => {
                audiences.insert(Audience::Seniors);
                "escalate"
            }
            Transition::Release => {
                audiences.insert(Audience::for_pool(&pool));
                "release"
            }
        };
        // Other devices of the same reviewer drop the item on their next pull.
        audiences.insert(Audience::User(caller.to_owned()));
        if !changed.contains(&item_id) {
            changed.push(item_id.clone());
        }
        audit_events.push(AuditEvent::new(caller, action, Some(item_id), data));
        results.push(result(MutationStatus::Applied, None, None));
    }

    let applied: Vec<&Mutation> = mutations
        .iter()
        .zip(&results)
        .filter(|(_, result)| result.status == MutationStatus::Applied)
        .map(|(mutation, _)| *mutation)
        .collect();
    let changed_rows: Vec<&ItemRow> = changed.iter().filter_map(|id| rows.get(id)).collect();
    items::store_state(tx, &changed_rows).await?;
    insert_decisions(tx, caller, &applied, now).await?;
    insert_results(tx, client_id, mutations, &results).await?;
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
        if let Some(row) = rows.get(&id)
            && let Some(event) = webhook::enqueue_if_wanted(tx, &row.item, now).await?
        {
            audit_events.push(event);
        }
    }
    Ok(results)
}

async fn insert_decisions(
    tx: &mut Tx,
    caller: &str,
    applied: &[&Mutation],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let recorded: Vec<&&Mutation> = applied
        .iter()
        .filter(|mutation| mutation.action != Action::Release)
        .collect();
    for chunk in recorded.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO decisions (item_id, decision_id, by_user, action, correction, \
             reason_code, note, at) VALUES {}",
            values_rows(chunk.len(), 8)
        );
        let mut insert = sqlx::query(&sql);
        for mutation in chunk {
            let correction = (mutation.action == Action::ApproveWithEdits)
                .then(|| mutation.correction.as_ref().map(Value::to_string))
                .flatten();
            insert = insert
                .bind(mutation.item_id.to_string())
                .bind(mutation.decision_id.to_string())
                .bind(caller)
                .bind(wire_name(&mutation.action))
                .bind(correction)
                .bind(mutation.reason_code.as_deref())
                .bind(mutation.note.as_deref())
                .bind(to_micros(now));
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_results(
    tx: &mut Tx,
    client_id: ClientId,
    mutations: &[&Mutation],
    results: &[MutationResult],
) -> Result<(), StoreError> {
    let pairs: Vec<(&&Mutation, &MutationResult)> = mutations.iter().zip(results).collect();
    for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO mutation_results (client_id, mutation_id, decision_id, status, code, \
             message) VALUES {}",
            values_rows(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (mutation, result) in chunk {
            insert = insert
                .bind(client_id.to_string())
                .bind(mutation.id.0 as i64)
                .bind(mutation.decision_id.to_string())
                .bind(wire_name(&result.status))
                .bind(result.code.as_deref())
                .bind(result.message.as_deref());
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Puts expired leases back in the pool, but only when an active reviewer who may take the item
/// has room for more work: an idle queue leaves offline work with its holder. The next grant
/// bumps the epoch, which fences the old holder out. Returns how many leases were reclaimed.
pub async fn sweep_expired(state: &AppState) -> Result<usize, StoreError> {
    let db = &state.db;
    db.write(|mut tx| async move {
        let now = state.now();
        let active_since = now
            - chrono::Duration::seconds(
                i64::try_from(state.policy.active_window_seconds).unwrap_or(i64::MAX / 2_000_000),
            );
        let expired = sqlx::query(&format!(
            "SELECT id, holder, audience, first_approver FROM items \
             WHERE status = 'pending' AND holder IS NOT NULL AND lease_expires_at < $1 \
             ORDER BY lease_expires_at LIMIT 500{}",
            db.backend.skip_locked()
        ))
        .bind(to_micros(now))
        .fetch_all(&mut *tx)
        .await?;
        if expired.is_empty() {
            return Ok((0, tx));
        }
        let wanting = sqlx::query(
            "SELECT u.name, u.role FROM users u WHERE u.role IN ('reviewer', 'senior') \
             AND u.last_pull_at >= $1 AND (SELECT COUNT(*) FROM items i \
             WHERE i.holder = u.name AND i.status = 'pending') < $2",
        )
        .bind(to_micros(active_since))
        .bind(i64::from(state.policy.prefetch))
        .fetch_all(&mut *tx)
        .await?;
        let wanting: Vec<(String, Role)> = wanting
            .iter()
            .map(|row| {
                Ok((
                    col::<String>(row, "name")?,
                    parse_wire::<Role>(&col::<String>(row, "role")?)?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        let mut audit_events = Vec::new();
        let mut audiences = HashSet::new();
        for row in expired {
            let id: String = col(&row, "id")?;
            let holder: String = col(&row, "holder")?;
            let pool: String = col(&row, "audience")?;
            let first_approver: Option<String> = col(&row, "first_approver")?;
            let audience = Audience::for_pool(&pool);
            let needed = wanting.iter().any(|(name, role)| {
                *name != holder
                    && first_approver.as_deref() != Some(name.as_str())
                    && audience.includes(name, *role)
            });
            if !needed {
                continue;
            }
            sqlx::query(
                "UPDATE items SET holder = NULL, lease_id = NULL, lease_expires_at = NULL \
                 WHERE id = $1",
            )
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            audit_events.push(AuditEvent::new(
                "sweeper",
                "reclaim",
                Some(id),
                json!({"from": holder, "reason": "lease_expired"}),
            ));
            audiences.insert(Audience::User(holder));
            audiences.insert(audience);
        }
        audit::append(db, &mut tx, now, &audit_events).await?;
        state.events.announce(db, &mut tx, audiences).await?;
        Ok((audit_events.len(), tx))
    })
    .await
}

/// Runs [`sweep_expired`] every `sweep_interval_seconds` until shutdown.
pub async fn run_sweeper(state: AppState) {
    let period = std::time::Duration::from_secs(state.policy.sweep_interval_seconds);
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            () = tokio::time::sleep(period) => {}
        }
        match sweep_expired(&state).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "reclaimed expired leases for waiting reviewers"),
            Err(error) => tracing::warn!(%error, "lease sweep failed; will retry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_domain::{DecisionId, ItemId};

    const ITEM: &str = "0190e0a0-0000-7000-8000-000000000001";

    fn mutation(action: Action) -> Mutation {
        Mutation {
            id: MutationId(1),
            decision_id: DecisionId::new_v7(),
            item_id: ITEM.parse::<ItemId>().expect("uuid"),
            lease_id: LeaseId::new_v7(),
            lease_epoch: Epoch(3),
            action,
            correction: None,
            reason_code: None,
            note: None,
            attestation: None,
            client_time: None,
        }
    }

    fn lease(stage: Stage) -> LeaseGrant {
        LeaseGrant {
            item_id: ITEM.into(),
            holder: "ana".into(),
            epoch: 3,
            stage,
        }
    }

    fn item(stage: Stage) -> ItemState {
        ItemState {
            status: ItemStatus::Pending,
            stage: Some(stage),
            epoch: 3,
            approvals_required: 1,
            first_approver: None,
            first_action: None,
            output: json!({"verdict": "block"}),
        }
    }

    fn code(verdict: &Verdict) -> String {
        match verdict {
            Verdict::Apply(transition) => format!("apply {transition:?}"),
            Verdict::Conflict(reason, _) => format!("conflict {}", reason.as_str()),
            Verdict::Rejected(code, _) => format!("rejected {code}"),
        }
    }

    #[test]
    fn rule_book() {
        type Case = (
            &'static str,
            Mutation,
            Option<LeaseGrant>,
            ItemState,
            &'static str,
        );
        let edit = |correction: Value| Mutation {
            correction: Some(correction),
            ..mutation(Action::ApproveWithEdits)
        };
        let four_eyes = ItemState {
            approvals_required: 2,
            ..item(Stage::Escalation)
        };
        let second = ItemState {
            stage: Some(Stage::SecondApproval),
            approvals_required: 2,
            first_approver: Some("bo".into()),
            first_action: Some(Action::ApproveWithEdits),
            ..item(Stage::SecondApproval)
        };
        let cases: Vec<Case> = vec![
            (
                "approve",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(Approved)",
            ),
            (
                "no lease",
                mutation(Action::Approve),
                None,
                item(Stage::Review),
                "rejected forbidden",
            ),
            (
                "someone else's lease",
                mutation(Action::Approve),
                Some(LeaseGrant {
                    holder: "bo".into(),
                    ..lease(Stage::Review)
                }),
                item(Stage::Review),
                "rejected forbidden",
            ),
            (
                "lease of another item",
                mutation(Action::Approve),
                Some(LeaseGrant {
                    item_id: "x".into(),
                    ..lease(Stage::Review)
                }),
                item(Stage::Review),
                "rejected forbidden",
            ),
            (
                "wrong epoch for lease",
                Mutation {
                    lease_epoch: Epoch(2),
                    ..mutation(Action::Approve)
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "edit without correction",
                mutation(Action::ApproveWithEdits),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "edit of the wrong type",
                edit(json!("text")),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "edit",
                edit(json!({"verdict": "allow"})),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(ApprovedWithEdits)",
            ),
            (
                "reject without reason",
                mutation(Action::Reject),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "rejected invalid_mutation",
            ),
            (
                "reject",
                Mutation {
                    reason_code: Some("fraud".into()),
                    ..mutation(Action::Reject)
                },
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Final(Rejected)",
            ),
            (
                "escalate",
                mutation(Action::Escalate),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Escalate",
            ),
            (
                "escalate twice",
                mutation(Action::Escalate),
                Some(lease(Stage::Escalation)),
                item(Stage::Escalation),
                "rejected invalid_mutation",
            ),
            (
                "release",
                mutation(Action::Release),
                Some(lease(Stage::Review)),
                item(Stage::Review),
                "apply Release",
            ),
            (
                "first of four eyes",
                mutation(Action::Approve),
                Some(lease(Stage::Escalation)),
                four_eyes.clone(),
                "apply AwaitSecondApproval",
            ),
            (
                "second of four eyes",
                mutation(Action::Approve),
                Some(lease(Stage::SecondApproval)),
                second.clone(),
                "apply Final(ApprovedWithEdits)",
            ),
            (
                "second approver rejects",
                Mutation {
                    reason_code: Some("unsafe".into()),
                    ..mutation(Action::Reject)
                },
                Some(lease(Stage::SecondApproval)),
                second.clone(),
                "apply Final(Rejected)",
            ),
            (
                "second approval edits",
                edit(json!({})),
                Some(lease(Stage::SecondApproval)),
                second.clone(),
                "rejected invalid_mutation",
            ),
            (
                "first approver again",
                mutation(Action::Approve),
                Some(lease(Stage::Escalation)),
                ItemState {
                    first_approver: Some("ana".into()),
                    ..second.clone()
                },
                "rejected same_approver",
            ),
            (
                "cancelled",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Cancelled,
                    ..item(Stage::Review)
                },
                "conflict cancelled",
            ),
            (
                "decided",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Decided,
                    ..item(Stage::Review)
                },
                "conflict decided_elsewhere",
            ),
            (
                "newer epoch",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                ItemState {
                    epoch: 4,
                    ..item(Stage::Review)
                },
                "conflict reassigned",
            ),
            (
                "moved on",
                mutation(Action::Approve),
                Some(lease(Stage::Review)),
                item(Stage::Escalation),
                "conflict reassigned",
            ),
            (
                "invalid beats conflict",
                mutation(Action::Reject),
                Some(lease(Stage::Review)),
                ItemState {
                    status: ItemStatus::Decided,
                    ..item(Stage::Review)
                },
                "rejected invalid_mutation",
            ),
        ];
        for (name, mutation, lease, item, expected) in cases {
            let verdict = judge("ana", &mutation, lease.as_ref(), Some(&item));
            assert_eq!(code(&verdict), expected, "{name}");
        }
    }

    #[test]
    fn cursors_must_come_from_this_client() {
        assert_eq!(parse_cursor("g3", 5).ok(), Some(3));
        assert_eq!(parse_cursor("g0", 0).ok(), Some(0));
        for bad in ["", "3", "g", "g-1", "g6", "gx"] {
            assert!(parse_cursor(bad, 5).is_err(), "{bad}");
        }
    }
}
