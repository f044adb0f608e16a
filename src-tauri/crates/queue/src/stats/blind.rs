//! The blind-read report (`GET /v1/stats/blind`, docs/protocol.md "Blind first read"): per reviewer,
//! kind and model, agreement with the AI before the reveal and switches after it. What agreement and a
//! switch are is the domain's ([`BlindTally`]); this is the query and who may read it.

use std::collections::BTreeMap;

use countersign_domain::{Action, BlindReport, BlindTally, BlindVerdict, Role};
use serde_json::Value;

use crate::auth::Caller;
use crate::db::{Db, col, parse_wire};
use crate::error::StoreError;
use crate::teams;

/// Who may read the report: seniors about the items their teams admit, admins about every item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    Everything,
    TeamsOf(String),
}

/// Why a caller may not read the report.
#[derive(Debug, thiserror::Error)]
#[error("the blind-read report is for seniors (their teams) and admins; your role is {0}")]
pub struct NotAllowed(pub Role);

impl Readers {
    pub fn of(caller: &Caller) -> Result<Readers, NotAllowed> {
        match caller.role {
            Role::Admin => Ok(Readers::Everything),
            Role::Senior => Ok(Readers::TeamsOf(caller.name.clone())),
            role @ (Role::Reviewer | Role::Producer) => Err(NotAllowed(role)),
        }
    }
}

/// The report over every decision made after a blind read that `readers` may see.
pub async fn report(db: &Db, readers: &Readers) -> Result<BlindReport, StoreError> {
    let filter = match readers {
        Readers::Everything => String::new(),
        Readers::TeamsOf(_) => format!(" AND {}", teams::admits("item", "$1")),
    };
    let sql = format!(
        "SELECT d.by_user, d.action, d.blind_verdict, item.kind, item.ai \
         FROM decisions d JOIN items item ON item.id = d.item_id \
         WHERE d.blind_verdict IS NOT NULL{filter}"
    );
    let mut query = sqlx::query(&sql);
    if let Readers::TeamsOf(name) = readers {
        query = query.bind(name);
    }
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
