//! The reviewer's own fatigue signals (docs/protocol.md, "Reviewer fatigue"): the decisions made on
//! this computer, from the outbox (which keeps them after upload), judged by the domain crate's
//! formulas, so the app can suggest a break offline too.

use chrono::{DateTime, Duration, Utc};
use countersign_domain::Action;
use countersign_domain::fatigue::{self, DecisionEvent, FatigueSignals};
use sqlx::Row;

use super::codec::{from_wire_name, opt_text, parse_time, timestamp, wire_name};
use super::{Store, StoreError};

/// How far back the local decisions are read: as far as the queue reads them.
const HISTORY_DAYS: i64 = 30;

impl Store {
    /// The reviewer's fatigue signals at `now`, from the decisions made here.
    pub async fn own_fatigue(&self, now: DateTime<Utc>) -> Result<FatigueSignals, StoreError> {
        let since = now - Duration::days(HISTORY_DAYS);
        let rows = sqlx::query(
            "SELECT action, client_time, opened_at, kind, reading_chars FROM outbox \
             WHERE action NOT IN (?, ?) AND client_time >= ? ORDER BY seq",
        )
        .bind(wire_name(&Action::Comment))
        .bind(wire_name(&Action::Release))
        .bind(timestamp(since))
        .fetch_all(&self.pool)
        .await?;
        let history = rows
            .iter()
            .map(|row| {
                Ok(DecisionEvent {
                    // Decisions recorded before the store kept kinds share one baseline.
                    kind: opt_text(row, "kind")?.unwrap_or_default(),
                    action: from_wire_name("action", row.try_get("action")?)?,
                    opened_at: opt_text(row, "opened_at")?
                        .map(|text| parse_time(&text))
                        .transpose()?,
                    decided_at: parse_time(row.try_get("client_time")?)?,
                    reading_chars: row
                        .try_get::<Option<i64>, _>("reading_chars")?
                        .and_then(|chars| u64::try_from(chars).ok())
                        .unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(fatigue::assess(&history, now))
    }
}
