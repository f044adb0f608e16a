//! The blind-read report (`GET /v1/stats/blind`, docs/protocol.md "Blind first read"): per reviewer,
//! kind and model, agreement with the AI before the reveal and switches after it. What agreement and a
//! switch are is the domain's ([`BlindTally`]); this is the query and who may read it.

use std::collections::BTreeMap;

use countersign_domain::{Action, BlindReport, BlindTally, BlindVerdict};
use serde_json::Value;

use super::{Scope, bind_teams};
use crate::db::{Db, col, parse_wire};
use crate::error::StoreError;

/// The report over every decision made after a blind read in `scope`.
pub async fn report(db: &Db, scope: &Scope) -> Result<BlindReport, StoreError> {
    let (in_scope, teams) = scope.condition("item.team", 1);
    let sql = format!(
        "SELECT d.by_user, d.action, d.blind_verdict, item.kind, item.ai \
         FROM decisions d JOIN items item ON item.id = d.item_id \
         WHERE d.blind_verdict IS NOT NULL AND {in_scope}"
    );
    let query = bind_teams(sqlx::query(&sql), teams);
    let mut tallies: BTreeMap<(String, String, Option<String>), BlindTally> = BTreeMap::new();
    for row in query.fetch_all(&db.pool).await? {
        let ai: Value = serde_json::from_str(&col::<String>(&row, "ai")?)?;
        let model = ai.get("model").and_then(Value::as_str).map(str::to_owned);
        let verdict: BlindVerdict = parse_wire(&col::<String>(&row, "blind_verdict")?)?;
        let action: Action = parse_wire(&col::<String>(&row, "action")?)?;
        tallies
            .entry((col(&row, "by_user")?, col(&row, "kind")?, model))
            .or_default()
            .add(verdict, action);
    }
    Ok(BlindReport {
        rows: tallies
            .into_iter()
            .map(|((reviewer, kind, model), tally)| tally.row(reviewer, kind, model))
            .collect(),
    })
}
