//! `POST /v1/sync/pull`: tops up and renews the caller's leases and answers with what changed
//! since the client's cursor, including every item taken away from it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use countersign_domain::{
    Assignment, ClientId, Epoch, ItemStatus, Lease, MutationId, PullRequest, PullResponse, Removal,
    RemovalReason,
};

use super::{SyncError, settle};
use crate::AppState;
use crate::auth::Caller;
use crate::context::SyncContext;
use crate::db::{Backend, ROWS_PER_STATEMENT, Tx, col, parse_wire, to_micros};
use crate::error::StoreError;
use crate::items::{self, ITEM_COLUMNS, ItemRow, OPEN_WORK, RowLock};
use crate::leases;

/// `POST /v1/sync/pull`.
pub async fn pull(
    state: &AppState,
    caller: &Caller,
    request: &PullRequest,
) -> Result<PullResponse, SyncError> {
    if request.max_grants == Some(0) {
        return Err(SyncError::NoGrantsAllowed);
    }
    let db = &state.db;
    let result = db
        .write(|mut tx| async move {
            let ctx = SyncContext::new(state, caller, request.client_id);
            settle(pull_in(ctx, &mut tx, request).await, tx)
        })
        .await?;
    if result.is_ok() {
        state.metrics.pulls.inc();
    }
    result
}

async fn pull_in(
    mut ctx: SyncContext<'_>,
    tx: &mut Tx,
    request: &PullRequest,
) -> Result<PullResponse, SyncError> {
    let (state, now, client_id, caller) = (ctx.state, ctx.now, ctx.client_id, ctx.caller);
    let caller = caller.name.as_str();
    let cursor = request.cursor.as_deref();
    let (last_mutation_id, generation) = ctx.lock_client(tx).await?;
    let seen = cursor
        .map(|cursor| parse_cursor(cursor, generation))
        .transpose()?;
    sqlx::query("UPDATE users SET last_pull_at = $1 WHERE name = $2")
        .bind(to_micros(now))
        .bind(caller)
        .execute(&mut **tx)
        .await?;

    let more = leases::grant(tx, &mut ctx, request.max_grants).await?;
    leases::mark_opened(tx, caller, &request.opened).await?;
    let expires = now + state.lease_duration;
    leases::renew(tx, &mut ctx, expires).await?;

    let new_generation = generation + 1;
    let (removed, new_to_client) = track_client_items(
        tx,
        client_id,
        caller,
        seen,
        new_generation,
        cursor.is_none(),
    )
    .await?;
    sqlx::query("UPDATE clients SET pull_generation = $1 WHERE id = $2")
        .bind(new_generation)
        .bind(client_id.to_string())
        .execute(&mut **tx)
        .await?;

    // New or changed since the cursor: everything when the client starts over or missed a
    // response (its cursor is not the latest), else what it has not been sent and what this pull
    // granted or renewed. A held item changes only through its lease or its holder's own pushes.
    // Only those rows are read whole: a paged pull reads each page's, not all it holds.
    let everything = seen != Some(generation);
    let held_rows = if everything {
        held_items(tx, state.db.backend, caller, None).await?
    } else {
        let mut rows = held_items(tx, state.db.backend, caller, Some(expires)).await?;
        let sent: HashSet<String> = rows.iter().map(|row| row.item.id.to_string()).collect();
        let unsent: Vec<String> = new_to_client
            .into_iter()
            .filter(|id| !sent.contains(id))
            .collect();
        for chunk in unsent.chunks(ROWS_PER_STATEMENT) {
            rows.extend(items::load_many(tx, state.db.backend, chunk, RowLock::None).await?);
        }
        rows
    };
    ctx.record(tx).await?;

    let assignments = held_rows
        .into_iter()
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
        more,
    })
}

/// The items `holder` holds, in claim order, with their decisions: all of them, or those whose
/// lease runs to `leased_to` (granted or renewed by this pull).
async fn held_items(
    tx: &mut Tx,
    backend: Backend,
    holder: &str,
    leased_to: Option<DateTime<Utc>>,
) -> Result<Vec<ItemRow>, StoreError> {
    let lease_filter = if leased_to.is_some() {
        " AND lease_expires_at = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE holder = $1 AND {OPEN_WORK}{lease_filter} \
         ORDER BY priority DESC, due_at ASC NULLS LAST, created_at"
    );
    let mut query = sqlx::query(&sql).bind(holder);
    if let Some(leased_to) = leased_to {
        query = query.bind(to_micros(leased_to));
    }
    let mut rows = query
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(ItemRow::parse)
        .collect::<Result<Vec<_>, _>>()?;
    items::attach_decisions(tx, backend, &mut rows).await?;
    Ok(rows)
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

/// Remembers what each client was sent so that it hears about every item taken away from it.
/// A removal is repeated until the client pulls with a cursor from the response that carried it.
/// Returns the removals to report and the items `holder` holds that this client had not been sent
/// before. Only the items it no longer holds are read here, not all it holds: a paged pull runs this
/// once per page.
async fn track_client_items(
    tx: &mut Tx,
    client_id: ClientId,
    holder: &str,
    seen_generation: Option<i64>,
    new_generation: i64,
    full_resync: bool,
) -> Result<(Vec<Removal>, Vec<String>), SyncError> {
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
    // Taken away, then given back before the client confirmed: it is simply held.
    sqlx::query(&format!(
        "UPDATE client_items SET removed_reason = NULL, removed_in_generation = NULL \
         WHERE client_id = $1 AND removed_reason IS NOT NULL AND item_id IN \
         (SELECT id FROM items WHERE holder = $2 AND {OPEN_WORK})"
    ))
    .bind(&client)
    .bind(holder)
    .execute(&mut **tx)
    .await?;
    let gone = sqlx::query(&format!(
        "SELECT c.item_id, c.removed_reason, i.status, i.stage FROM client_items c \
         JOIN items i ON i.id = c.item_id WHERE c.client_id = $1 \
         AND NOT (COALESCE(i.holder, '') = $2 AND {OPEN_WORK})"
    ))
    .bind(&client)
    .bind(holder)
    .fetch_all(&mut **tx)
    .await?;
    let mut removed = Vec::with_capacity(gone.len());
    for row in gone {
        let item_id: String = col(&row, "item_id")?;
        let reason = match col::<Option<String>>(&row, "removed_reason")? {
            Some(reason) => parse_wire::<RemovalReason>(&reason)?,
            None => {
                let status: ItemStatus = parse_wire(&col::<String>(&row, "status")?)?;
                // Still open work (an audit, say) held by someone else: reassigned.
                let open = col::<Option<String>>(&row, "stage")?.is_some();
                let reason = match status {
                    ItemStatus::Cancelled => RemovalReason::Cancelled,
                    _ if open => RemovalReason::Reassigned,
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
    let new_to_client = sqlx::query(&format!(
        "INSERT INTO client_items (client_id, item_id) SELECT $1, i.id FROM items i \
         WHERE i.holder = $2 AND {OPEN_WORK} AND NOT EXISTS (SELECT 1 FROM client_items c \
         WHERE c.client_id = $1 AND c.item_id = i.id) RETURNING item_id"
    ))
    .bind(&client)
    .bind(holder)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| col::<String>(row, "item_id"))
    .collect::<Result<Vec<_>, _>>()?;
    Ok((removed, new_to_client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_must_come_from_this_client() {
        assert_eq!(parse_cursor("g3", 5).ok(), Some(3));
        assert_eq!(parse_cursor("g0", 0).ok(), Some(0));
        for bad in ["", "3", "g", "g-1", "g6", "gx"] {
            assert!(parse_cursor(bad, 5).is_err(), "{bad}");
        }
    }
}
