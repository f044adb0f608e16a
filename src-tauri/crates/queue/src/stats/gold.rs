//! `GET /v1/stats/gold` (docs/protocol.md, "Gold items"): per reviewer and kind, gold accuracy as a
//! [`RateEstimate`] and the answers by result.

use countersign_domain::{GoldAccuracy, GoldReport, RateEstimate};

use super::{Scope, bind_teams};
use crate::AppState;
use crate::db::col;
use crate::error::StoreError;

/// The report over the gold answers in `scope`.
pub async fn report(state: &AppState, scope: &Scope) -> Result<GoldReport, StoreError> {
    let (in_scope, teams) = scope.condition("a.team", 1);
    let mut conn = state.db.pool.acquire().await?;
    let sql = format!(
        "SELECT a.user_name, a.kind, a.team, \
         SUM(CASE WHEN a.result = 'correct' THEN 1 ELSE 0 END) AS correct, \
         SUM(CASE WHEN a.result = 'incorrect' THEN 1 ELSE 0 END) AS incorrect, \
         SUM(CASE WHEN a.result = 'escalated' THEN 1 ELSE 0 END) AS escalated, \
         (SELECT COUNT(*) FROM gold_low_accuracy l WHERE l.user_name = a.user_name \
          AND l.kind = a.kind) AS below \
         FROM gold_answers a WHERE {in_scope} \
         GROUP BY a.user_name, a.kind, a.team ORDER BY a.user_name, a.kind, a.team"
    );
    let rows = bind_teams(sqlx::query(&sql), teams)
        .fetch_all(&mut *conn)
        .await?;
    let mut report = GoldReport { rows: Vec::new() };
    for row in rows {
        let count = |name| -> Result<u64, StoreError> { Ok(col::<i64>(&row, name)?.max(0) as u64) };
        let (correct, incorrect) = (count("correct")?, count("incorrect")?);
        let team: String = col(&row, "team")?;
        report.rows.push(GoldAccuracy {
            reviewer: col(&row, "user_name")?,
            kind: col(&row, "kind")?,
            accuracy: RateEstimate::of(correct, correct + incorrect),
            correct,
            incorrect,
            escalated: count("escalated")?,
            min_accuracy: state
                .policy
                .team(&team)
                .and_then(|policy| policy.min_gold_accuracy),
            below_minimum: count("below")? > 0,
            team,
        });
    }
    Ok(report)
}
