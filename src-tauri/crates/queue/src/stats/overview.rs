//! `GET /v1/stats/overview` (docs/protocol.md, "Statistics endpoints"): throughput per day and team,
//! the queue now, SLA compliance per team, override rates by kind, model and confidence band, and
//! the calibration curve. Counting is done in SQL; the confidence bands are folded here, from counts
//! per distinct confidence, so that the band rule stays the one in `countersign_domain::estimate`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use countersign_domain::estimate::confidence_band;
use countersign_domain::{
    Action, CalibrationPoint, ItemStatus, Outcome, OverrideRate, OverrideRates, Overview,
    RateEstimate, SlaCompliance, ThroughputDay,
};

use super::{DECIDED, Scope, Window, bind_teams};
use crate::db::{Db, col, to_micros, wire_name};
use crate::deadlines::TIMEOUT_ACTOR;
use crate::error::StoreError;
use crate::health;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The overview of the work in `scope` decided in `window`.
pub async fn overview(db: &Db, scope: &Scope, window: Window) -> Result<Overview, StoreError> {
    let queue = health::of_queue(db, window.until)
        .await?
        .rows
        .into_iter()
        .filter(|row| scope.covers(row.team.as_deref()))
        .collect();
    let (overrides, calibration) = overrides(db, scope, window).await?;
    Ok(Overview {
        since: window.since,
        server_time: window.until,
        throughput: throughput(db, scope, window).await?,
        queue,
        sla: sla(db, scope, window).await?,
        overrides,
        calibration,
    })
}

async fn throughput(
    db: &Db,
    scope: &Scope,
    window: Window,
) -> Result<Vec<ThroughputDay>, StoreError> {
    let (in_scope, teams) = scope.condition("i.team", 7);
    let sql = format!(
        "SELECT i.team AS team, d.at / {MICROS_PER_DAY} AS day, COUNT(*) AS decisions \
         FROM decisions d JOIN items i ON i.id = d.item_id \
         WHERE i.gold_id IS NULL AND d.at >= $1 AND d.at <= $2 AND d.action IN ($3, $4, $5) AND d.by_user <> $6 \
         AND {in_scope} GROUP BY i.team, d.at / {MICROS_PER_DAY}"
    );
    let query = bind_teams(
        sqlx::query(&sql)
            .bind(to_micros(window.since))
            .bind(to_micros(window.until))
            .bind(wire_name(&Action::Approve))
            .bind(wire_name(&Action::ApproveWithEdits))
            .bind(wire_name(&Action::Reject))
            .bind(TIMEOUT_ACTOR),
        teams,
    );
    let mut days = query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            let day: i64 = col(row, "day")?;
            let day = DateTime::<Utc>::from_timestamp(day * 86_400, 0)
                .ok_or_else(|| StoreError::corrupt(format!("decision day {day} out of range")))?
                .date_naive();
            Ok(ThroughputDay {
                day,
                team: col(row, "team")?,
                decisions: u64::try_from(col::<i64>(row, "decisions")?).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    days.sort_by(|a, b| (a.day, a.team.as_deref()).cmp(&(b.day, b.team.as_deref())));
    Ok(days)
}

async fn sla(db: &Db, scope: &Scope, window: Window) -> Result<Vec<SlaCompliance>, StoreError> {
    let (in_scope, teams) = scope.condition("i.team", 4);
    let sql = format!(
        "SELECT i.team AS team, COUNT(*) AS decided, \
         COALESCE(SUM(CASE WHEN d.at <= i.due_at THEN 1 ELSE 0 END), 0) AS in_time \
         {DECIDED} AND i.due_at IS NOT NULL AND {in_scope} GROUP BY i.team"
    );
    let query = bind_teams(
        sqlx::query(&sql)
            .bind(wire_name(&ItemStatus::Decided))
            .bind(to_micros(window.since))
            .bind(to_micros(window.until)),
        teams,
    );
    let mut rows = query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(SlaCompliance {
                team: col(row, "team")?,
                in_time: RateEstimate::of(count(row, "in_time")?, count(row, "decided")?),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    rows.sort_by(|a, b| a.team.cmp(&b.team));
    Ok(rows)
}

/// Counts of the items people decided, per kind, model and distinct confidence.
struct Decided {
    kind: String,
    model: Option<String>,
    confidence: f64,
    decided: u64,
    overridden: u64,
}

/// Sums of one group of [`Decided`] rows.
#[derive(Default)]
struct Tally {
    decided: u64,
    overridden: u64,
    confidence_sum: f64,
}

impl Tally {
    fn add(&mut self, row: &Decided) {
        self.decided += row.decided;
        self.overridden += row.overridden;
        self.confidence_sum += row.confidence * row.decided as f64;
    }

    fn override_rate(&self) -> RateEstimate {
        RateEstimate::of(self.overridden, self.decided)
    }
}

async fn overrides(
    db: &Db,
    scope: &Scope,
    window: Window,
) -> Result<(OverrideRates, Vec<CalibrationPoint>), StoreError> {
    let backend = db.backend;
    let (in_scope, teams) = scope.condition("i.team", 8);
    let model = backend.json_text("i.ai", "$6");
    let confidence = backend.json_text("i.ai", "$7");
    let sql = format!(
        "SELECT i.kind AS kind, {model} AS model, {confidence} AS confidence, \
         COUNT(*) AS decided, \
         COALESCE(SUM(CASE WHEN i.outcome = $5 THEN 0 ELSE 1 END), 0) AS overridden \
         {DECIDED} AND d.by_user <> $4 AND {in_scope} GROUP BY 1, 2, 3"
    );
    let path = |key: &str| backend.json_path(&[key]).unwrap_or_default();
    let query = bind_teams(
        sqlx::query(&sql)
            .bind(wire_name(&ItemStatus::Decided))
            .bind(to_micros(window.since))
            .bind(to_micros(window.until))
            .bind(TIMEOUT_ACTOR)
            .bind(wire_name(&Outcome::Approved))
            .bind(path("model"))
            .bind(path("confidence")),
        teams,
    );
    let rows = query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            let confidence: Option<String> = col(row, "confidence")?;
            Ok(Decided {
                kind: col(row, "kind")?,
                model: col(row, "model")?,
                confidence: confidence
                    .and_then(|text| text.parse().ok())
                    .ok_or_else(|| StoreError::corrupt("an item without an AI confidence"))?,
                decided: count(row, "decided")?,
                overridden: count(row, "overridden")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_model: BTreeMap<Option<&str>, Tally> = BTreeMap::new();
    // Keyed by the band's index (tenths), which orders and compares exactly.
    let mut by_band: BTreeMap<i64, Tally> = BTreeMap::new();
    for row in &rows {
        by_kind.entry(&row.kind).or_default().add(row);
        by_model.entry(row.model.as_deref()).or_default().add(row);
        let band = (confidence_band(row.confidence) * 10.0).round() as i64;
        by_band.entry(band).or_default().add(row);
    }
    let band_edge = |band: i64| band as f64 / 10.0;
    let rates = OverrideRates {
        by_kind: by_kind
            .iter()
            .map(|(kind, tally)| OverrideRate {
                key: Some((*kind).to_owned()),
                rate: tally.override_rate(),
            })
            .collect(),
        by_model: by_model
            .iter()
            .map(|(model, tally)| OverrideRate {
                key: model.map(str::to_owned),
                rate: tally.override_rate(),
            })
            .collect(),
        by_band: by_band
            .iter()
            .map(|(band, tally)| OverrideRate {
                key: Some(format!("{:.1}", band_edge(*band))),
                rate: tally.override_rate(),
            })
            .collect(),
    };
    let calibration = by_band
        .iter()
        .map(|(band, tally)| CalibrationPoint {
            band: band_edge(*band),
            mean_confidence: tally.confidence_sum / tally.decided.max(1) as f64,
            agreement: RateEstimate::of(tally.decided - tally.overridden, tally.decided),
        })
        .collect();
    Ok((rates, calibration))
}

fn count(row: &sqlx::any::AnyRow, name: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(col::<i64>(row, name)?).unwrap_or(0))
}
