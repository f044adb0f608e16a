//! Leases: the only writer of the lease columns of `items` (`holder`, `lease_id`, `epoch`,
//! `lease_expires_at`). A grant makes a new lease with the next epoch, which fences every older
//! lease out; a pull renews what its caller holds; a decision, a release or a cancellation ends
//! the lease; the sweeper takes expired leases back when someone is waiting for the work.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use countersign_domain::AuditAction;
use countersign_domain::{ItemId, LeaseId, Role};
use serde_json::json;

use crate::AppState;
use crate::audience::Audience;
use crate::audit::{self, AuditEvent};
use crate::context::SyncContext;
use crate::db::{ROWS_PER_STATEMENT, Tx, col, parse_wire, placeholders, to_micros};
use crate::error::StoreError;
use crate::events::Recipients;
use crate::items::OPEN_WORK;
use crate::{stats, teams};
use countersign_domain::fatigue;

/// Tops up the caller's leases: up to `prefetch` items held in all, and for a senior also
/// seniors' work (escalations and their second approvals) up to `prefetch` such items whatever
/// else they hold, so that an escalation reaches a busy senior. Only items of the caller's teams
/// (or of no team) are granted, never an item the caller released within the cool-down while
/// someone else eligible is active, and in claim order: priority, then the earliest due date,
/// then age. Each grant is a new lease with the next epoch. At most `max_grants` items are taken
/// from the queues (a gold copy may follow them); returns whether that cap stopped the top-up
/// short of the caller's room (docs/protocol.md, "Paged pulls").
pub(crate) async fn grant(
    tx: &mut Tx,
    ctx: &mut SyncContext<'_>,
    max_grants: Option<u32>,
) -> Result<bool, StoreError> {
    let audiences = Audience::served_by(ctx.caller.role);
    if audiences.is_empty() {
        return Ok(false);
    }
    let (state, holder, now) = (ctx.state, ctx.caller.name.as_str(), ctx.now);
    let held = sqlx::query(&format!(
        "SELECT COUNT(*) AS held, COALESCE(SUM(CASE WHEN audience = 'seniors' THEN 1 ELSE 0 END), 0) \
         AS seniors_work FROM items WHERE holder = $1 AND {OPEN_WORK}"
    ))
    .bind(holder)
    .fetch_one(&mut **tx)
    .await?;
    // The policy's fatigue hold (docs/protocol.md, "Reviewer fatigue"): high-risk work waits for
    // someone fresher while the caller's verdict is at or past the threshold.
    let held_from_high_risk = match state.policy.fatigue_hold_high_risk {
        Some(threshold) => fatigue::holds_high_risk(
            stats::fatigue::verdict_of(tx, holder, now).await?,
            threshold,
        ),
        None => false,
    };
    // `$6` binds the path of `ai.risk` (below) for this hold and for the gold hold.
    let risk_hold = if held_from_high_risk {
        format!(
            " AND COALESCE({}, '') NOT IN ('high', 'critical')",
            state.db.backend.json_text("i.ai", "$6")
        )
    } else {
        String::new()
    };
    let prefetch = i64::from(state.policy.prefetch);
    let mut wanted = prefetch - col::<i64>(&held, "held")?;
    let mut seniors_wanted = prefetch - col::<i64>(&held, "seniors_work")?;
    let mut page_room = max_grants.map_or(i64::MAX, i64::from);
    // One audience at a time, seniors' first: each query walks the claimable index in order
    // instead of sorting every free item.
    let sql = format!(
        "SELECT id, epoch, stage, team, gold_id FROM items i \
         WHERE {OPEN_WORK} AND holder IS NULL AND audience = $1 \
         AND (first_approver IS NULL OR first_approver <> $2) \
         AND (i.gold_for IS NULL OR i.gold_for = $2) \
         AND NOT (EXISTS (SELECT 1 FROM gold_low_accuracy g WHERE g.user_name = $2 \
             AND g.kind = i.kind) AND {} IN ('high', 'critical')) \
         AND {} \
         AND NOT (COALESCE(released_by, '') = $2 AND released_at >= $4 AND EXISTS ( \
             SELECT 1 FROM users u WHERE u.name <> $2 AND u.disabled = 0 \
             AND u.last_pull_at >= $5 \
             AND (u.role = 'senior' OR (i.audience = 'reviewers' AND u.role = 'reviewer')) \
             AND {})){risk_hold} \
         ORDER BY priority DESC, due_at ASC NULLS LAST, created_at LIMIT $3{}",
        state.db.backend.json_text("i.ai", "$6"),
        teams::admits("i", "$2"),
        teams::admits("i", "u.name"),
        state.db.backend.skip_locked()
    );
    let cooldown_since = to_micros(cooldown_since(state, now));
    let risk_path = state
        .db
        .backend
        .json_path(&["risk"])
        .ok_or_else(|| StoreError::corrupt("the path of ai.risk is not a plain path"))?;
    let mut rows = Vec::new();
    for audience in audiences {
        let limit = match audience {
            Audience::Seniors => wanted.max(seniors_wanted),
            Audience::Reviewers => wanted,
        }
        .min(page_room);
        if limit <= 0 {
            continue;
        }
        let found = sqlx::query(&sql)
            .bind(audience.as_str())
            .bind(holder)
            .bind(limit)
            .bind(cooldown_since)
            .bind(to_micros(active_since(state, now)))
            .bind(&risk_path)
            .fetch_all(&mut **tx)
            .await?;
        let claimed = found.len() as i64;
        wanted -= claimed;
        page_room -= claimed;
        if *audience == Audience::Seniors {
            seniors_wanted -= claimed;
        }
        rows.extend(found);
    }
    let seniors_room = audiences.contains(&Audience::Seniors) && seniors_wanted > 0;
    let more = page_room <= 0 && (wanted > 0 || seniors_room);
    let expires = to_micros(now + state.lease_duration);
    let mut grants = Vec::with_capacity(rows.len());
    // The team of each real item granted: each may be followed by a gold item (docs/protocol.md,
    // "Gold items").
    let mut real_teams = Vec::new();
    for row in rows {
        if col::<Option<String>>(&row, "gold_id")?.is_none()
            && let Some(team) = col::<Option<String>>(&row, "team")?
        {
            real_teams.push(team);
        }
        grants.push((
            col::<String>(&row, "id")?,
            LeaseId::new_v7().to_string(),
            col::<i64>(&row, "epoch")? + 1,
            col::<String>(&row, "stage")?,
        ));
    }
    for (id, stage) in crate::gold::serve(tx, ctx, &real_teams).await? {
        grants.push((id, LeaseId::new_v7().to_string(), 1, stage));
    }
    for chunk in grants.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "WITH v (id, lease_id, epoch, holder, lease_expires_at) AS (VALUES {}) \
             UPDATE items SET lease_id = v.lease_id, epoch = v.epoch, holder = v.holder, \
             lease_expires_at = v.lease_expires_at, opened = 0, unopened_renewals = 0, \
             renewal_audited_at = NULL \
             FROM v WHERE items.id = v.id",
            state.db.backend.values_rows(chunk.len(), 5)
        );
        let mut update = sqlx::query(&sql);
        for (id, lease_id, epoch, _) in chunk {
            update = update
                .bind(id)
                .bind(lease_id)
                .bind(*epoch)
                .bind(holder)
                .bind(expires);
        }
        update.execute(&mut **tx).await?;
        let sql = format!(
            "INSERT INTO leases (id, item_id, holder, epoch, stage, granted_at) VALUES {}",
            state.db.backend.values_rows(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (id, lease_id, epoch, stage) in chunk {
            insert = insert
                .bind(lease_id)
                .bind(id)
                .bind(holder)
                .bind(*epoch)
                .bind(stage)
                .bind(to_micros(now));
        }
        insert.execute(&mut **tx).await?;
    }
    for (id, lease_id, epoch, stage) in grants {
        ctx.audit.push(AuditEvent::new(
            holder,
            AuditAction::Assign,
            Some(id),
            json!({"lease_id": lease_id, "epoch": epoch, "stage": stage}),
        ));
    }
    Ok(more)
}

/// Marks the caller's held items its client reports opened: their leases renew without limit.
pub(crate) async fn mark_opened(
    tx: &mut Tx,
    holder: &str,
    opened: &[ItemId],
) -> Result<(), StoreError> {
    for chunk in opened.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE items SET opened = 1 WHERE holder = $1 AND id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut update = sqlx::query(&sql).bind(holder);
        for id in chunk {
            update = update.bind(id.to_string());
        }
        update.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Renews `holder`'s leases to `expires`, except those granted or renewed within the last
/// minute (or tenth of the lease): rewriting them would change nothing a reviewer could notice.
/// A lease whose item was never reported opened is renewed at most `max_unopened_renewals`
/// times, so an idle reviewer's prefetch runs out and goes to someone who wants work.
pub(crate) async fn renew(
    tx: &mut Tx,
    ctx: &mut SyncContext<'_>,
    expires: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (state, holder, now) = (ctx.state, ctx.caller.name.as_str(), ctx.now);
    let fresh_enough = expires - (state.lease_duration / 10).min(chrono::Duration::minutes(1));
    // Every pull renews every held lease, so only a renewal at least half a term after the last one
    // audited (or the first after the grant) is audited (docs/protocol.md, "Item history").
    let audit_before = now - state.lease_duration / 2;
    let renewed = sqlx::query(&format!(
        "UPDATE items SET lease_expires_at = $1, unopened_renewals = unopened_renewals + 1 - opened, \
         renewal_audited_at = CASE WHEN renewal_audited_at IS NULL OR renewal_audited_at < $5 \
         THEN $6 ELSE renewal_audited_at END \
         WHERE holder = $2 AND {OPEN_WORK} AND lease_expires_at < $3 \
         AND (opened = 1 OR unopened_renewals < $4) RETURNING id, epoch, renewal_audited_at"
    ))
    .bind(to_micros(expires))
    .bind(holder)
    .bind(to_micros(fresh_enough))
    .bind(i64::from(state.policy.max_unopened_renewals))
    .bind(to_micros(audit_before))
    .bind(to_micros(now))
    .fetch_all(&mut **tx)
    .await?;
    for row in renewed {
        if col::<Option<i64>>(&row, "renewal_audited_at")? != Some(to_micros(now)) {
            continue;
        }
        ctx.audit.push(AuditEvent::new(
            holder,
            AuditAction::Renew,
            Some(col(&row, "id")?),
            json!({"epoch": col::<i64>(&row, "epoch")?, "expires_at": expires}),
        ));
    }
    Ok(())
}

/// Remembers who released each item and when, for the release cool-down.
pub(crate) async fn mark_released(
    tx: &mut Tx,
    item_ids: &[String],
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in item_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE items SET released_by = $1, released_at = $2 WHERE id IN ({})",
            placeholders(3, chunk.len())
        );
        let mut update = sqlx::query(&sql).bind(by).bind(to_micros(now));
        for id in chunk {
            update = update.bind(id);
        }
        update.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Takes back every pending item `holder` holds (a disabled user, one moved out of a role or
/// team), auditing each; returns who should pull again. The next grant bumps the epoch, which
/// fences the old holder out.
pub(crate) async fn return_all_held(
    tx: &mut Tx,
    holder: &str,
    audit_events: &mut Vec<AuditEvent>,
) -> Result<HashSet<Recipients>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT id, audience, team FROM items WHERE holder = $1 AND {OPEN_WORK}"
    ))
    .bind(holder)
    .fetch_all(&mut **tx)
    .await?;
    let mut recipients = HashSet::from([Recipients::User(holder.to_owned())]);
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = col(&row, "id")?;
        let audience: Audience = parse_wire(&col::<String>(&row, "audience")?)?;
        let team: Option<String> = col(&row, "team")?;
        recipients.insert(Recipients::work(audience, team.as_deref()));
        audit_events.push(AuditEvent::new(
            "system",
            AuditAction::Reclaim,
            Some(id.clone()),
            json!({"from": holder, "reason": "user_changed"}),
        ));
        ids.push(id);
    }
    release(tx, &ids).await?;
    Ok(recipients)
}

/// Since when a user who pulled counts as active (wanting work).
fn active_since(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::seconds(
        i64::try_from(state.policy.active_window_seconds).unwrap_or(i64::MAX / 2_000_000),
    )
}

/// Since when a release keeps the item from its releaser (the release cool-down).
fn cooldown_since(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    now - state.policy.release_cooldown.0
}

/// Ends the current lease of each item (decided, escalated, released, cancelled or reclaimed).
/// The epoch stays: the next grant bumps it.
pub(crate) async fn release(tx: &mut Tx, item_ids: &[String]) -> Result<(), StoreError> {
    for chunk in item_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE items SET holder = NULL, lease_id = NULL, lease_expires_at = NULL \
             WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut update = sqlx::query(&sql);
        for id in chunk {
            update = update.bind(id);
        }
        update.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Puts expired leases back in their audience's work, but only when an active reviewer who may
/// take the item has room for more work (not one who released it within the cool-down): an idle
/// queue leaves offline work with its holder. The
/// next grant bumps the epoch, which fences the old holder out. A gold copy stays with the one
/// reviewer it was made for. Returns how many leases were reclaimed.
pub async fn sweep_expired(state: &AppState) -> Result<usize, StoreError> {
    let db = &state.db;
    db.write(|mut tx| async move {
        let now = state.now();
        let active_since = active_since(state, now);
        let expired = sqlx::query(&format!(
            "SELECT id, holder, audience, first_approver, team, released_by, released_at FROM items \
             WHERE {OPEN_WORK} AND holder IS NOT NULL AND lease_expires_at < $1 \
             AND gold_for IS NULL \
             ORDER BY lease_expires_at LIMIT 500{}",
            db.backend.skip_locked()
        ))
        .bind(to_micros(now))
        .fetch_all(&mut *tx)
        .await?;
        if expired.is_empty() {
            return Ok((0, tx));
        }
        let wanting = sqlx::query(&format!(
            "SELECT u.name, u.role FROM users u WHERE u.role IN ('reviewer', 'senior') \
             AND u.disabled = 0 AND u.last_pull_at >= $1 AND (SELECT COUNT(*) FROM items i \
             WHERE i.holder = u.name AND i.{OPEN_WORK}) < $2"
        ))
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
        let memberships: HashSet<(String, String)> =
            sqlx::query("SELECT user_name, team FROM user_teams")
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| Ok((col(row, "user_name")?, col(row, "team")?)))
                .collect::<Result<_, StoreError>>()?;
        let cooldown_since = to_micros(cooldown_since(state, now));
        let mut audit_events = Vec::new();
        let mut recipients = HashSet::new();
        let mut reclaimed = Vec::new();
        for row in expired {
            let id: String = col(&row, "id")?;
            let holder: String = col(&row, "holder")?;
            let audience: Audience = parse_wire(&col::<String>(&row, "audience")?)?;
            let first_approver: Option<String> = col(&row, "first_approver")?;
            let team: Option<String> = col(&row, "team")?;
            // Whoever released the item within the cool-down would not be granted it back while
            // someone else eligible is active, so they do not count as waiting for it.
            let cooling = col::<Option<i64>>(&row, "released_at")?
                .is_some_and(|at| at >= cooldown_since)
                .then(|| col::<Option<String>>(&row, "released_by"))
                .transpose()?
                .flatten();
            let needed = wanting.iter().any(|(name, role)| {
                *name != holder
                    && first_approver.as_deref() != Some(name.as_str())
                    && cooling.as_deref() != Some(name.as_str())
                    && audience.admits(*role)
                    && team
                        .as_ref()
                        .is_none_or(|team| memberships.contains(&(name.clone(), team.clone())))
            });
            if !needed {
                continue;
            }
            audit_events.push(AuditEvent::new(
                "sweeper",
                AuditAction::Reclaim,
                Some(id.clone()),
                json!({"from": holder, "reason": "lease_expired"}),
            ));
            reclaimed.push(id);
            recipients.insert(Recipients::User(holder));
            recipients.insert(Recipients::work(audience, team.as_deref()));
        }
        release(&mut tx, &reclaimed).await?;
        audit::append(&mut tx, db.backend, now, &audit_events).await?;
        state.events.announce(db, &mut tx, recipients).await?;
        Ok((reclaimed.len(), tx))
    })
    .await
}

/// Runs [`sweep_expired`] and the deadline sweep every `sweep_interval_seconds` until shutdown.
pub(crate) async fn run_sweeper(state: AppState) {
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
        match crate::deadlines::sweep_breaches(&state).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "applied on_breach to items past due"),
            Err(error) => tracing::warn!(%error, "deadline sweep failed; will retry"),
        }
    }
}
