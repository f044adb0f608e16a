//! Items: submission (idempotent per producer and external id), reading, cancelling.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use countersign_domain::AuditAction;
use countersign_domain::kind::KindSpec;
use countersign_domain::{
    Action, BlindJudgement, DecisionRecord, EscalationNotice, Handoff, Item, ItemId, ItemStatus,
    NewItem, Outcome, Role, Route, SignatureRequirement, Stage,
};
use serde::de::DeserializeOwned;
use serde_json::json;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::AppState;
use crate::audience::Audience;
use crate::audit::{self, AuditEvent};
use crate::audit_sample;
use crate::auth::{self, UserError};
use crate::db::{
    Backend, ROWS_PER_STATEMENT, Tx, col, from_micros, parse_wire, placeholders, to_micros,
    wire_name,
};
use crate::error::StoreError;
use crate::events::Recipients;
use crate::kinds::{self, CompiledKind, KindError, SchemaViolation};
use crate::leases;
use crate::shadow;
use crate::webhook;

/// Columns read for an item, in the order [`ItemRow::parse`] expects them.
pub(crate) const ITEM_COLUMNS: &str = "id, producer, external_id, kind, title, payload, ai, priority, \
    due_at, callback_url, created_at, route, routing_rule, approvals_required, status, outcome, \
    stage, audience, holder, lease_id, epoch, lease_expires_at, first_approver, first_action, team, \
    warn_at, handoff_by, handoff_note, handoff_at, signature_meaning, signers_team, gold_id, \
    gold_external_id, blind";

/// SQL: the item is open work (claimable, held, renewable) while it has a stage: a pending review
/// stage, or the audit of an auto-approved item, whose status stays `auto_approved`.
pub(crate) const OPEN_WORK: &str = "stage IS NOT NULL";

/// An item with the queue's bookkeeping beside it.
#[derive(Debug, Clone)]
pub(crate) struct ItemRow {
    pub item: Item,
    pub stage: Option<Stage>,
    /// Who may receive the pending stage; None once the item is final.
    pub audience: Option<Audience>,
    pub holder: Option<String>,
    pub lease_id: Option<String>,
    pub epoch: i64,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub first_approver: Option<String>,
    pub first_action: Option<Action>,
    /// For a copy of a gold item (docs/protocol.md, "Gold items"): the gold item's id.
    pub gold_id: Option<String>,
}

fn parse_optional_wire<T: DeserializeOwned>(name: Option<String>) -> Result<Option<T>, StoreError> {
    name.as_deref().map(parse_wire).transpose()
}

impl ItemRow {
    pub fn parse(row: &AnyRow) -> Result<ItemRow, StoreError> {
        let id: String = col(row, "id")?;
        let payload: String = col(row, "payload")?;
        let ai: String = col(row, "ai")?;
        let signers_team: Option<String> = col(row, "signers_team")?;
        // A gold copy's stored external id is a private, unique one; its reviewer sees this one.
        let gold_external_id: Option<String> = col(row, "gold_external_id")?;
        let item = Item {
            id: id.parse().map_err(StoreError::corrupt)?,
            producer: col(row, "producer")?,
            created_at: from_micros(col(row, "created_at")?),
            external_id: match gold_external_id {
                Some(shown) => shown,
                None => col(row, "external_id")?,
            },
            kind: col(row, "kind")?,
            title: col(row, "title")?,
            payload: serde_json::from_str(&payload)?,
            ai: serde_json::from_str(&ai)?,
            priority: col(row, "priority")?,
            due_at: col::<Option<i64>>(row, "due_at")?.map(from_micros),
            callback_url: col(row, "callback_url")?,
            route: parse_wire(&col::<String>(row, "route")?)?,
            routing_rule: col(row, "routing_rule")?,
            approvals_required: col(row, "approvals_required")?,
            status: parse_wire(&col::<String>(row, "status")?)?,
            outcome: parse_optional_wire(col(row, "outcome")?)?,
            decisions: Vec::new(),
            team: col(row, "team")?,
            warn_at: col::<Option<i64>>(row, "warn_at")?.map(from_micros),
            handoff: match (
                col::<Option<String>>(row, "handoff_by")?,
                col::<Option<String>>(row, "handoff_note")?,
                col::<Option<i64>>(row, "handoff_at")?,
            ) {
                (Some(by), Some(note), Some(at)) => Some(Handoff {
                    by,
                    note,
                    at: from_micros(at),
                }),
                _ => None,
            },
            signature_required: parse_optional_wire(col(row, "signature_meaning")?)?.map(
                |meaning| SignatureRequirement {
                    meaning,
                    signers_team,
                },
            ),
            blind: col::<i64>(row, "blind")? != 0,
        };
        Ok(ItemRow {
            item,
            stage: parse_optional_wire(col(row, "stage")?)?,
            audience: parse_optional_wire(col(row, "audience")?)?,
            holder: col(row, "holder")?,
            lease_id: col(row, "lease_id")?,
            epoch: col(row, "epoch")?,
            lease_expires_at: col::<Option<i64>>(row, "lease_expires_at")?.map(from_micros),
            first_approver: col(row, "first_approver")?,
            first_action: parse_optional_wire(col(row, "first_action")?)?,
            gold_id: col(row, "gold_id")?,
        })
    }

    /// Decides the item: final `outcome`, no stage or audience any more, and no hand-off note
    /// (it was for a next holder; there is none). The caller ends the lease.
    pub fn finish(&mut self, outcome: Outcome) {
        self.item.status = ItemStatus::Decided;
        self.item.outcome = Some(outcome);
        self.item.handoff = None;
        self.stage = None;
        self.audience = None;
    }
}

/// Fills in the decisions of each row, in the order they were applied.
pub(crate) async fn attach_decisions(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &mut [ItemRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut by_item: HashMap<String, Vec<DecisionRecord>> = HashMap::new();
    // In chunks: SQLite looks each numbered parameter up by a linear scan, so one statement
    // naming every held item (10,000 in a cold sync) costs quadratic time to bind.
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT d.item_id, d.by_user, d.action, d.correction, d.reason_code, d.note, d.at, \
             d.patch, d.rationale, d.tags, d.signature, d.blind_verdict, d.blind_confidence, \
             d.blind_note, d.blind_recorded_at {} ORDER BY d.seq",
            backend.rows_keyed_by("decisions", "d", "item_id", chunk.len(), "seq")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query.bind(row.item.id.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            let correction: Option<String> = col(&row, "correction")?;
            let patch: Option<String> = col(&row, "patch")?;
            let tags: Option<String> = col(&row, "tags")?;
            let signature: Option<String> = col(&row, "signature")?;
            by_item
                .entry(col(&row, "item_id")?)
                .or_default()
                .push(DecisionRecord {
                    by: col(&row, "by_user")?,
                    action: parse_wire(&col::<String>(&row, "action")?)?,
                    correction: correction
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()?,
                    reason_code: col(&row, "reason_code")?,
                    note: col(&row, "note")?,
                    at: from_micros(col(&row, "at")?),
                    patch: patch.as_deref().map(serde_json::from_str).transpose()?,
                    rationale: col(&row, "rationale")?,
                    tags: tags
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()?
                        .unwrap_or_default(),
                    signature: signature.as_deref().map(serde_json::from_str).transpose()?,
                    blind_judgement: blind_judgement(&row)?,
                });
        }
    }
    for row in rows.iter_mut() {
        row.item.decisions = by_item.remove(&row.item.id.to_string()).unwrap_or_default();
    }
    Ok(())
}

/// A decision row's blind judgement (docs/protocol.md, "Blind first read"), when it has one.
fn blind_judgement(row: &AnyRow) -> Result<Option<BlindJudgement>, StoreError> {
    let Some(verdict) = col::<Option<String>>(row, "blind_verdict")? else {
        return Ok(None);
    };
    let confidence: i64 = col::<Option<i64>>(row, "blind_confidence")?
        .ok_or_else(|| StoreError::corrupt("a blind verdict without its confidence"))?;
    let recorded_at: i64 = col::<Option<i64>>(row, "blind_recorded_at")?
        .ok_or_else(|| StoreError::corrupt("a blind verdict without its time"))?;
    Ok(Some(BlindJudgement {
        verdict: parse_wire(&verdict)?,
        confidence: u8::try_from(confidence).map_err(StoreError::corrupt)?,
        note: col(row, "blind_note")?,
        recorded_at: from_micros(recorded_at),
    }))
}

/// Whether a read of items locks their rows until the transaction ends (on PostgreSQL; a SQLite
/// write transaction already holds the database's one write lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowLock {
    None,
    ForUpdate,
}

/// One item with its decisions.
pub(crate) async fn load(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
    lock: RowLock,
) -> Result<Option<ItemRow>, StoreError> {
    Ok(load_many(conn, backend, &[id.to_owned()], lock)
        .await?
        .pop())
}

/// Items with their decisions, in id order (so that concurrent lockers lock in one order).
pub(crate) async fn load_many(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[String],
    lock: RowLock,
) -> Result<Vec<ItemRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE id IN ({}) ORDER BY id{}",
        placeholders(1, ids.len()),
        match lock {
            RowLock::None => "",
            RowLock::ForUpdate => backend.for_update(),
        }
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let mut rows = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(ItemRow::parse)
        .collect::<Result<Vec<_>, _>>()?;
    attach_decisions(conn, backend, &mut rows).await?;
    Ok(rows)
}

/// Writes the review state of each row back (with its hand-off note), in one statement per
/// batch. The lease columns are not among them: [`leases`] writes those.
pub(crate) async fn store_state(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[&ItemRow],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "WITH v (id, status, outcome, stage, audience, first_approver, first_action, \
             handoff_by, handoff_note, handoff_at) AS (VALUES {}) \
             UPDATE items SET status = v.status, outcome = v.outcome, stage = v.stage, \
             audience = v.audience, first_approver = v.first_approver, \
             first_action = v.first_action, handoff_by = v.handoff_by, \
             handoff_note = v.handoff_note, handoff_at = v.handoff_at FROM v WHERE items.id = v.id",
            backend.values_rows(chunk.len(), 10)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            let handoff = row.item.handoff.as_ref();
            query = query
                .bind(row.item.id.to_string())
                .bind(wire_name(&row.item.status))
                .bind(row.item.outcome.as_ref().map(wire_name))
                .bind(row.stage.as_ref().map(wire_name))
                .bind(row.audience.map(Audience::as_str))
                .bind(row.first_approver.as_deref())
                .bind(row.first_action.as_ref().map(wire_name))
                .bind(handoff.map(|handoff| handoff.by.clone()))
                .bind(handoff.map(|handoff| handoff.note.clone()))
                .bind(handoff.map(|handoff| to_micros(handoff.at)));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The outcome of a submission.
pub struct Submitted {
    pub item: Item,
    pub created: bool,
}

/// Why a submission was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The item does not satisfy its registered kind's schemas (422 `schema_violation`).
    #[error("the item does not satisfy its kind's schema at {0}")]
    Schema(#[from] SchemaViolation),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores a new item routed by the policy, or returns the one this producer already submitted
/// under the same external id. An item of a registered kind must satisfy its schemas first.
pub async fn submit(
    state: &AppState,
    producer: &str,
    new: &NewItem,
) -> Result<Submitted, SubmitError> {
    let mut submitted = submit_all(state, producer, std::slice::from_ref(new)).await?;
    submitted
        .pop()
        .ok_or_else(|| StoreError::corrupt("a submission of one item stored none").into())
}

/// Submits many items in one transaction (seeding, benchmarks): all or none are stored, and none
/// when one does not satisfy its kind.
pub async fn submit_all(
    state: &AppState,
    producer: &str,
    batch: &[NewItem],
) -> Result<Vec<Submitted>, SubmitError> {
    let outcome = state
        .db
        .write(|mut tx| async move {
            let names: Vec<&str> = batch.iter().map(|new| new.kind.as_str()).collect();
            let compiled = kinds::compiled_for(state, &mut tx, &names).await?;
            // Every item is checked before any is written, so a refusal leaves nothing behind.
            if let Some(violation) = batch
                .iter()
                .find_map(|new| kinds::check_item(&compiled, new).err())
            {
                return Ok((Err(violation), tx));
            }
            let mut submitted = Vec::with_capacity(batch.len());
            for new in batch {
                let kind = compiled.get(&new.kind).map(|kind| kind.as_ref());
                submitted.push(submit_in(state, &mut tx, producer, new, kind, None).await?);
            }
            Ok((Ok(submitted), tx))
        })
        .await?;
    Ok(outcome?)
}

#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    #[error("cannot set up the producer: {0}")]
    Producer(#[from] UserError),
    #[error("cannot register the demo kinds: {0}")]
    Kind(#[from] KindError),
    #[error(transparent)]
    Submit(#[from] SubmitError),
}

/// Registers `kinds` (those not registered as they are) and submits `batch` as `producer`,
/// creating that producer first when it does not exist: the one path for seeding demo work
/// (`countersign-queue seed-demo`, the desktop app's embedded queue). Returns how many of the
/// items were new.
pub async fn submit_as_producer(
    state: &AppState,
    producer: &str,
    kinds: &[(&str, KindSpec)],
    batch: &[NewItem],
) -> Result<usize, ProduceError> {
    auth::ensure_user(&state.db, producer, Role::Producer, state.now()).await?;
    kinds::ensure(state, producer, kinds).await?;
    let submitted = submit_all(state, producer, batch).await?;
    Ok(submitted.iter().filter(|item| item.created).count())
}

async fn existing(
    tx: &mut Tx,
    backend: Backend,
    producer: &str,
    external_id: &str,
) -> Result<Option<Submitted>, StoreError> {
    let row = sqlx::query("SELECT id FROM items WHERE producer = $1 AND external_id = $2")
        .bind(producer)
        .bind(external_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let id: String = col(&row, "id")?;
    let row = load(tx, backend, &id, RowLock::None)
        .await?
        .ok_or_else(|| StoreError::corrupt("item vanished inside a transaction"))?;
    Ok(Some(Submitted {
        item: row.item,
        created: false,
    }))
}

/// A copy of a gold item made for one reviewer (docs/protocol.md, "Gold items").
pub(crate) struct GoldCopy<'a> {
    pub gold_id: &'a str,
    /// The only user ever granted the copy.
    pub reviewer: &'a str,
}

/// Stores one item as [`submit_all`] does; a gold copy (`gold`) is stored and routed the same way,
/// under a private unique external id (its reviewer sees `new.external_id`), and announced to nobody.
pub(crate) async fn submit_in(
    state: &AppState,
    tx: &mut Tx,
    producer: &str,
    new: &NewItem,
    kind: Option<&CompiledKind>,
    gold: Option<&GoldCopy<'_>>,
) -> Result<Submitted, StoreError> {
    let db = &state.db;
    let now = state.now();
    if gold.is_none()
        && let Some(found) = existing(tx, db.backend, producer, &new.external_id).await?
    {
        return Ok(found);
    }
    let routing = state.policy.route(new);
    let (status, outcome, stage) = match routing.route {
        Route::AutoApproved => (ItemStatus::AutoApproved, Some(Outcome::Approved), None),
        Route::Review => (ItemStatus::Pending, None, Some(Stage::Review)),
        Route::Escalation => (ItemStatus::Pending, None, Some(Stage::Escalation)),
    };
    let mut audience = Audience::for_route(routing.route);
    // An audited auto-approval keeps its outcome and also goes to the rule's team for an audit.
    let audited = audit_sample::audited(&state.policy, &routing, producer, new);
    let stage = if audited {
        audience = Some(Audience::Reviewers);
        Some(Stage::Audit)
    } else {
        stage
    };
    let shadow_routes = state.policy.shadow_routes(new);
    // The producer's date, else the policy rule's, else the kind's default.
    let due_at = new
        .due_at
        .or_else(|| routing.due_in.map(|due_in| now + due_in))
        .or_else(|| kind.and_then(|kind| kind.due_in).map(|due_in| now + due_in));
    let warn_at = due_at
        .zip(routing.warn_before)
        .map(|(due, before)| due - before);
    let item = Item {
        id: ItemId::new_v7(),
        producer: producer.to_owned(),
        created_at: now,
        external_id: new.external_id.clone(),
        kind: new.kind.clone(),
        title: new.title.clone(),
        payload: new.payload.clone(),
        ai: new.ai.clone(),
        priority: new.priority,
        due_at,
        callback_url: new.callback_url.clone(),
        route: routing.route,
        routing_rule: routing.rule.clone(),
        approvals_required: routing.approvals_required,
        status,
        outcome,
        decisions: Vec::new(),
        team: routing.team.clone(),
        warn_at,
        handoff: None,
        signature_required: routing.signature.clone(),
        blind: routing.blind,
    };
    let inserted = sqlx::query(
        "INSERT INTO items (id, producer, external_id, kind, title, payload, ai, priority, \
             due_at, callback_url, created_at, route, routing_rule, approvals_required, status, \
             outcome, stage, audience, team, warn_at, on_breach, signature_meaning, signers_team, \
             gold_id, gold_for, gold_external_id, blind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) \
             ON CONFLICT (producer, external_id) DO NOTHING",
    )
    .bind(item.id.to_string())
    .bind(producer)
    .bind(match gold {
        Some(_) => format!("gold:{}", item.id),
        None => item.external_id.clone(),
    })
    .bind(&item.kind)
    .bind(&item.title)
    .bind(serde_json::to_string(&item.payload)?)
    .bind(serde_json::to_string(&item.ai)?)
    .bind(item.priority)
    .bind(item.due_at.map(to_micros))
    .bind(item.callback_url.as_deref())
    .bind(to_micros(now))
    .bind(wire_name(&item.route))
    .bind(&item.routing_rule)
    .bind(item.approvals_required)
    .bind(wire_name(&item.status))
    .bind(outcome.as_ref().map(wire_name))
    .bind(stage.as_ref().map(wire_name))
    .bind(audience.map(Audience::as_str))
    .bind(item.team.as_deref())
    .bind(item.warn_at.map(to_micros))
    .bind(routing.on_breach.map(crate::policy::OnBreach::as_str))
    .bind(
        item.signature_required
            .as_ref()
            .map(|requirement| requirement.meaning.as_str()),
    )
    .bind(
        item.signature_required
            .as_ref()
            .and_then(|requirement| requirement.signers_team.as_deref()),
    )
    .bind(gold.map(|copy| copy.gold_id))
    .bind(gold.map(|copy| copy.reviewer))
    .bind(gold.map(|_| item.external_id.as_str()))
    .bind(i64::from(item.blind))
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        // A concurrent submission of the same external id won; return its item.
        return existing(tx, db.backend, producer, &new.external_id)
            .await?
            .ok_or_else(|| StoreError::corrupt("conflicting item not found"));
    }

    let item_id = Some(item.id.to_string());
    let mut audit_events = vec![
        AuditEvent::new(
            producer,
            AuditAction::Submit,
            item_id.clone(),
            json!({
                "external_id": item.external_id, "kind": item.kind, "title": item.title,
                "priority": item.priority, "model": item.ai.model,
                "confidence": item.ai.confidence, "risk": item.ai.risk,
                "kind_revision": kind.map(|kind| kind.revision),
            }),
        ),
        AuditEvent::new(
            "policy",
            AuditAction::Route,
            item_id.clone(),
            json!({
                "route": item.route, "rule": item.routing_rule,
                "approvals_required": item.approvals_required, "team": item.team,
                "due_at": item.due_at, "on_breach": routing.on_breach.map(crate::policy::OnBreach::as_str),
                "signature_required": item.signature_required, "blind": item.blind,
                "audit_sample": audited,
                "shadow": shadow_routes.iter()
                    .map(|(rule, route)| json!({"rule": rule, "route": route}))
                    .collect::<Vec<_>>(),
            }),
        ),
    ];
    if audited {
        audit_sample::record_drawn(tx, &item.id.to_string(), &routing.rule, now).await?;
    }
    shadow::record(
        tx,
        db.backend,
        &item.id.to_string(),
        &routing,
        &shadow_routes,
        now,
    )
    .await?;
    if item.status == ItemStatus::AutoApproved
        && gold.is_none()
        && let Some(event) = webhook::enqueue_if_wanted(tx, &item, now).await?
    {
        audit_events.push(event);
    }
    audit::append(tx, db.backend, now, &audit_events).await?;
    if let Some(audience) = audience.filter(|_| gold.is_none()) {
        // Work routed straight to the escalation stage is an escalation for its seniors.
        let recipients = if routing.route == Route::Escalation {
            Recipients::Escalated(EscalationNotice::of(&item))
        } else {
            Recipients::work(audience, item.team.as_deref())
        };
        state.events.announce(db, tx, [recipients]).await?;
    }
    Ok(Submitted {
        item,
        created: true,
    })
}

/// Reads an item for its producer (or anyone, when `producer` is None).
pub(crate) async fn get(
    state: &AppState,
    id: ItemId,
    producer: Option<&str>,
) -> Result<Option<Item>, StoreError> {
    let mut conn = state.db.pool.acquire().await?;
    let row = load(&mut conn, state.db.backend, &id.to_string(), RowLock::None).await?;
    // A gold copy is no producer's item (docs/protocol.md, "Gold items").
    Ok(row
        .filter(|row| producer.is_none() || row.gold_id.is_none())
        .map(|row| row.item)
        .filter(|item| producer.is_none_or(|name| item.producer == name)))
}

#[derive(Debug)]
pub(crate) enum CancelOutcome {
    Cancelled(Item),
    NotFound,
    AlreadyFinal(Item),
}

/// Withdraws a pending item; its holder is told through `removed` with reason `cancelled`.
pub(crate) async fn cancel(
    state: &AppState,
    producer: &str,
    id: ItemId,
) -> Result<CancelOutcome, StoreError> {
    let db = &state.db;
    let id = &id.to_string();
    db.write(|mut tx| async move {
        let now = state.now();
        let Some(row) = load(&mut tx, db.backend, id, RowLock::ForUpdate).await? else {
            return Ok((CancelOutcome::NotFound, tx));
        };
        if row.item.producer != producer || row.gold_id.is_some() {
            return Ok((CancelOutcome::NotFound, tx));
        }
        match row.item.status {
            ItemStatus::Cancelled => return Ok((CancelOutcome::Cancelled(row.item), tx)),
            ItemStatus::Decided | ItemStatus::AutoApproved => {
                return Ok((CancelOutcome::AlreadyFinal(row.item), tx));
            }
            ItemStatus::Pending => {}
        }
        sqlx::query(
            "UPDATE items SET status = 'cancelled', stage = NULL, audience = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        leases::release(&mut tx, std::slice::from_ref(id)).await?;
        audit::append(
            &mut tx,
            db.backend,
            now,
            &[AuditEvent::new(
                producer,
                AuditAction::Cancel,
                Some(id.to_owned()),
                json!({ "holder": row.holder, "stage": row.stage }),
            )],
        )
        .await?;
        if let Some(holder) = &row.holder {
            state
                .events
                .announce(db, &mut tx, [Recipients::User(holder.clone())])
                .await?;
        }
        let mut item = row.item;
        item.status = ItemStatus::Cancelled;
        Ok((CancelOutcome::Cancelled(item), tx))
    })
    .await
}
