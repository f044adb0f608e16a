//! Audited auto-approvals (docs/protocol.md, "Audited auto-approvals and thresholds"): the seeded
//! draw that picks which auto-approved items also go to a person in the `audit` stage, and the
//! storage of what was drawn and of each audit's verdict. A verdict never changes the item's
//! outcome and is not one of its decisions, so it never reaches the producer, a webhook or an export.

use chrono::{DateTime, Utc};
use countersign_domain::{Mutation, NewItem, Route};
use sha2::{Digest, Sha256};

use crate::db::{Tx, to_micros, wire_name};
use crate::error::StoreError;

/// The audit draw, written once: SHA-256 over the policy's `audit_seed` (8 bytes, big-endian), then
/// the producer's name and the item's `external_id`, each preceded by its length in bytes (8 bytes,
/// big-endian), read as a number in [0, 1) by [`crate::draw::unit_draw`]. The item is audited when that number is below the rule's `audit_sample`. The same
/// seed, producer and external id always give the same answer, on any queue.
pub fn drawn(seed: u64, producer: &str, external_id: &str, audit_sample: f64) -> bool {
    let mut digest = Sha256::new();
    digest.update(seed.to_be_bytes());
    for part in [producer, external_id] {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part.as_bytes());
    }
    crate::draw::unit_draw(&digest.finalize()) < audit_sample
}

/// Whether the policy's routing of `new` by `producer` sends it to an audit as well.
pub(crate) fn audited(
    policy: &crate::Policy,
    routing: &crate::policy::Routing,
    producer: &str,
    new: &NewItem,
) -> bool {
    routing.route == Route::AutoApproved
        && routing
            .audit_sample
            .is_some_and(|sample| drawn(policy.audit_seed, producer, &new.external_id, sample))
}

/// Records that `item_id`, auto-approved by `rule`, was drawn for an audit.
pub(crate) async fn record_drawn(
    tx: &mut Tx,
    item_id: &str,
    rule: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_samples (item_id, rule, sampled_at) VALUES ($1, $2, $3)")
        .bind(item_id)
        .bind(rule)
        .bind(to_micros(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records an audit's verdict by `by`: the action (`approve` or `reject`) applied in the `audit` stage.
pub(crate) async fn record_verdict(
    tx: &mut Tx,
    mutation: &Mutation,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE audit_samples SET verdict = $1, reason_code = $2, note = $3, by_user = $4, \
         decided_at = $5 WHERE item_id = $6",
    )
    .bind(wire_name(&mutation.action))
    .bind(mutation.reason_code.as_deref())
    .bind(mutation.note.as_deref())
    .bind(by)
    .bind(to_micros(now))
    .bind(mutation.item_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draw_is_a_function_of_seed_producer_and_external_id() {
        let picked = |seed| {
            (0..1000)
                .filter(|n| drawn(seed, "bot", &format!("txn-{n}"), 0.1))
                .collect::<Vec<_>>()
        };
        assert_eq!(picked(7), picked(7));
        assert_ne!(picked(7), picked(8));
        assert!(!drawn(7, "bot", "txn-1", 0.0));
        assert!(drawn(7, "bot", "txn-1", 1.0));
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        let split = |producer: &str, external: &str| -> Vec<bool> {
            (0..64)
                .map(|seed| drawn(seed, producer, external, 0.5))
                .collect()
        };
        assert_ne!(split("ab", "c"), split("a", "bc"));
    }
}
