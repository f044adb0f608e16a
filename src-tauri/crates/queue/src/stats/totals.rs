//! The oversight totals `/metrics` serves as counters (docs/protocol.md, "Statistics endpoints"):
//! counted from the stored decisions at each scrape, so they survive restarts and agree with the
//! reports, at the cost of one pass over the decisions per scrape.

use countersign_domain::{ItemStatus, Outcome};

use super::DECIDED;
use crate::db::{Db, col, wire_name};
use crate::deadlines::TIMEOUT_ACTOR;
use crate::error::StoreError;

/// Every total since the queue's first decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OversightTotals {
    /// (action, kind, count): every recorded decision, escalations and timeouts included.
    pub decisions: Vec<(String, String, u64)>,
    /// (kind, count): decided items a person rejected or approved with edits.
    pub overrides: Vec<(String, u64)>,
    /// (team, count; None: no team): items decided after their `due_at`, timeouts included.
    pub sla_breaches: Vec<(Option<String>, u64)>,
}

/// The totals over the whole history.
pub async fn totals(db: &Db) -> Result<OversightTotals, StoreError> {
    let decided = wire_name(&ItemStatus::Decided);
    let decisions = sqlx::query(
        "SELECT d.action AS action, i.kind AS kind, COUNT(*) AS total \
         FROM decisions d JOIN items i ON i.id = d.item_id WHERE i.gold_id IS NULL GROUP BY d.action, i.kind",
    )
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|row| Ok((col(row, "action")?, col(row, "kind")?, total(row)?)))
    .collect::<Result<_, StoreError>>()?;
    let overrides = sqlx::query(&format!(
        "SELECT i.kind AS kind, COUNT(*) AS total {DECIDED} \
         AND d.by_user <> $4 AND i.outcome <> $5 GROUP BY i.kind"
    ))
    .bind(&decided)
    .bind(0_i64)
    .bind(i64::MAX)
    .bind(TIMEOUT_ACTOR)
    .bind(wire_name(&Outcome::Approved))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|row| Ok((col(row, "kind")?, total(row)?)))
    .collect::<Result<_, StoreError>>()?;
    let sla_breaches = sqlx::query(&format!(
        "SELECT i.team AS team, COUNT(*) AS total {DECIDED} \
         AND i.due_at IS NOT NULL AND d.at > i.due_at GROUP BY i.team"
    ))
    .bind(&decided)
    .bind(0_i64)
    .bind(i64::MAX)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|row| Ok((col(row, "team")?, total(row)?)))
    .collect::<Result<_, StoreError>>()?;
    Ok(OversightTotals {
        decisions,
        overrides,
        sla_breaches,
    })
}

fn total(row: &sqlx::any::AnyRow) -> Result<u64, StoreError> {
    Ok(u64::try_from(col::<i64>(row, "total")?).unwrap_or(0))
}
