//! Shadow rules (docs/protocol.md, "Shadow rules"): a rule with `mode = "shadow"` never routes; at
//! each submission the queue records the route each shadow rule would have given, beside the live
//! one, so that a new threshold is judged on live traffic before it is switched on.

use chrono::{DateTime, Utc};
use countersign_domain::Route;

use crate::db::{Backend, Tx, to_micros, wire_name};
use crate::error::StoreError;
use crate::policy::Routing;

/// Records `would` (shadow rule, route) beside the live `routing` of `item_id`.
pub(crate) async fn record(
    tx: &mut Tx,
    backend: Backend,
    item_id: &str,
    routing: &Routing,
    would: &[(&str, Route)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if would.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO shadow_routes (item_id, rule, route, live_route, live_rule, at) VALUES {}",
        backend.values_rows(would.len(), 6)
    );
    let mut insert = sqlx::query(&sql);
    for (rule, route) in would {
        insert = insert
            .bind(item_id)
            .bind(*rule)
            .bind(wire_name(route))
            .bind(wire_name(&routing.route))
            .bind(&routing.rule)
            .bind(to_micros(now));
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}
