//! The threshold report (`GET /v1/stats/thresholds`, `countersign-queue report thresholds` and
//! `report shadow`; docs/protocol.md, "Audited auto-approvals and thresholds"), computed here once
//! from the audits of auto-approved items and the recorded routes of shadow rules.

use std::collections::BTreeMap;

use countersign_domain::estimate::confidence_band;
use countersign_domain::{
    Action, AiProposal, AuditErrorRate, ItemStatus, Outcome, RateEstimate, Route, ShadowRuleReport,
    THRESHOLD_GRID, ThresholdRecommendation, ThresholdReport,
};

use super::{Scope, bind_teams};
use crate::db::{Db, col, parse_wire};
use crate::deadlines::TIMEOUT_ACTOR;
use crate::error::StoreError;
use crate::policy::{Policy, RuleMode};

/// One audited auto-approval: what the AI said and whether the audit found it wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub kind: String,
    pub model: Option<String>,
    pub confidence: f64,
    pub wrong: bool,
}

/// One item a shadow rule would have decided: its would-be route, the live one, and, when a person
/// judged the item, whether they approved the AI's answer as it stood.
#[derive(Debug, Clone, PartialEq)]
pub struct ShadowRoute {
    pub rule: String,
    pub route: Route,
    pub live_route: Route,
    pub approved_as_is: Option<bool>,
}

/// The report over `scope`'s work.
pub async fn thresholds(
    db: &Db,
    policy: &Policy,
    scope: &Scope,
) -> Result<ThresholdReport, StoreError> {
    let (condition, teams) = scope.condition("i.team", 1);
    let sql = format!(
        "SELECT i.kind, i.ai, s.verdict FROM audit_samples s JOIN items i ON i.id = s.item_id \
         WHERE s.verdict IS NOT NULL AND {condition}"
    );
    let audits = bind_teams(sqlx::query(&sql), teams)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            let ai: AiProposal = serde_json::from_str(&col::<String>(row, "ai")?)?;
            Ok(Audit {
                kind: col(row, "kind")?,
                model: ai.model,
                confidence: ai.confidence,
                wrong: parse_wire::<Action>(&col::<String>(row, "verdict")?)? == Action::Reject,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let (condition, teams) = scope.condition("i.team", 2);
    let sql = format!(
        "SELECT r.rule, r.route, r.live_route, i.status, i.outcome, s.verdict, \
         (SELECT COUNT(*) FROM decisions d WHERE d.item_id = i.id AND d.by_user = $1) AS timeouts \
         FROM shadow_routes r JOIN items i ON i.id = r.item_id \
         LEFT JOIN audit_samples s ON s.item_id = r.item_id WHERE {condition}"
    );
    let shadow = bind_teams(sqlx::query(&sql).bind(TIMEOUT_ACTOR), teams)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            let verdict: Option<String> = col(row, "verdict")?;
            let outcome: Option<String> = col(row, "outcome")?;
            let decided_by_person = parse_wire::<ItemStatus>(&col::<String>(row, "status")?)?
                == ItemStatus::Decided
                && col::<i64>(row, "timeouts")? == 0;
            let approved_as_is = match (verdict, outcome) {
                (Some(verdict), _) => Some(parse_wire::<Action>(&verdict)? == Action::Approve),
                (None, Some(outcome)) if decided_by_person => {
                    Some(parse_wire::<Outcome>(&outcome)? == Outcome::Approved)
                }
                _ => None,
            };
            Ok(ShadowRoute {
                rule: col(row, "rule")?,
                route: parse_wire(&col::<String>(row, "route")?)?,
                live_route: parse_wire(&col::<String>(row, "live_route")?)?,
                approved_as_is,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(report(policy, &audits, &shadow))
}

/// The report from the audits and shadow routes, pure (docs/protocol.md spells out each number).
pub fn report(policy: &Policy, audits: &[Audit], shadow: &[ShadowRoute]) -> ThresholdReport {
    // (kind, model, band in tenths) → (wrong, audits)
    let mut bands: BTreeMap<(&str, Option<&str>, u32), (u64, u64)> = BTreeMap::new();
    let mut by_model: BTreeMap<(&str, Option<&str>), Vec<&Audit>> = BTreeMap::new();
    for audit in audits {
        let band = (confidence_band(audit.confidence) * 10.0).round() as u32;
        let counts = bands
            .entry((&audit.kind, audit.model.as_deref(), band))
            .or_default();
        counts.0 += u64::from(audit.wrong);
        counts.1 += 1;
        by_model
            .entry((&audit.kind, audit.model.as_deref()))
            .or_default()
            .push(audit);
    }
    let error_rates = bands
        .into_iter()
        .map(|((kind, model, band), (wrong, trials))| AuditErrorRate {
            kind: kind.to_owned(),
            model: model.map(str::to_owned),
            band: f64::from(band) / 10.0,
            error: RateEstimate::of(wrong, trials),
        })
        .collect();
    let recommendations = by_model
        .into_iter()
        .map(|((kind, model), audits)| {
            let target_error = policy.target_error_for(kind);
            let error_at = |threshold: f64| {
                let above = audits.iter().filter(|audit| audit.confidence >= threshold);
                let (wrong, trials) = above.fold((0, 0), |(wrong, trials), audit| {
                    (wrong + u64::from(audit.wrong), trials + 1)
                });
                RateEstimate::of(wrong, trials)
            };
            // No extrapolation: a threshold below every audited confidence would auto-approve items
            // of confidences no audit has seen (audits only exist above the live rule's line).
            let lowest = audits
                .iter()
                .map(|audit| audit.confidence)
                .fold(f64::INFINITY, f64::min);
            let floor = THRESHOLD_GRID
                .iter()
                .rev()
                .find(|&&threshold| threshold <= lowest)
                .copied()
                .unwrap_or(THRESHOLD_GRID[0]);
            let found = THRESHOLD_GRID
                .iter()
                .filter(|&&threshold| threshold >= floor)
                .find_map(|&threshold| {
                    let error = error_at(threshold);
                    error
                        .upper()
                        .is_some_and(|upper| upper < target_error)
                        .then_some((threshold, error))
                });
            ThresholdRecommendation {
                kind: kind.to_owned(),
                model: model.map(str::to_owned),
                target_error,
                threshold: found.map(|(threshold, _)| threshold),
                error: found.map_or_else(|| error_at(f64::NEG_INFINITY), |(_, error)| error),
            }
        })
        .collect();
    ThresholdReport {
        grid: THRESHOLD_GRID.to_vec(),
        error_rates,
        recommendations,
        shadow: shadow_report(policy, shadow),
    }
}

/// Each shadow rule of the policy, then any other rule with recorded routes (since removed or
/// made live), by name.
fn shadow_report(policy: &Policy, shadow: &[ShadowRoute]) -> Vec<ShadowRuleReport> {
    let mut rules: Vec<(String, Route)> = policy
        .rules
        .iter()
        .filter(|rule| rule.mode == RuleMode::Shadow)
        .map(|rule| (rule.name.clone(), rule.route))
        .collect();
    for row in shadow {
        if !rules
            .iter()
            .any(|(name, route)| *name == row.rule && *route == row.route)
        {
            rules.push((row.rule.clone(), row.route));
        }
    }
    rules
        .into_iter()
        .map(|(rule, route)| {
            let rows: Vec<&ShadowRoute> = shadow
                .iter()
                .filter(|row| row.rule == rule && row.route == route)
                .collect();
            let live_agrees = rows.iter().filter(|row| row.live_route == row.route);
            let judged: Vec<bool> = rows.iter().filter_map(|row| row.approved_as_is).collect();
            // An auto-approval agrees with a person who approved as it stood; sending the item to
            // a person agrees with one who changed or rejected it.
            let human_agrees = judged
                .iter()
                .filter(|&&approved| approved == (route == Route::AutoApproved))
                .count();
            ShadowRuleReport {
                agrees_with_live: RateEstimate::of(live_agrees.count() as u64, rows.len() as u64),
                agrees_with_human: RateEstimate::of(human_agrees as u64, judged.len() as u64),
                rule,
                route,
            }
        })
        .collect()
}

fn model_text(model: Option<&str>) -> &str {
    model.unwrap_or("(no model)")
}

/// `countersign-queue report thresholds`: the recommendations, then the error rates by band.
pub fn table(report: &ThresholdReport) -> String {
    let mut out = String::from(
        "Recommended auto-approval thresholds (lowest confidence whose error stays below the target)\n",
    );
    if report.recommendations.is_empty() {
        out.push_str("  no audited auto-approvals yet\n");
    }
    for row in &report.recommendations {
        let threshold = row.threshold.map_or_else(
            || "none qualifies".to_owned(),
            |threshold| format!("confidence ≥ {threshold:.2}"),
        );
        out.push_str(&format!(
            "  {:<24} {:<20} target {:>4.1}%  {threshold:<18} error {}\n",
            row.kind,
            model_text(row.model.as_deref()),
            row.target_error * 100.0,
            row.error
        ));
    }
    out.push_str("\nAI error rate on audited auto-approvals, by confidence band\n");
    for row in &report.error_rates {
        out.push_str(&format!(
            "  {:<24} {:<20} {:.1}–{:.1}  {}\n",
            row.kind,
            model_text(row.model.as_deref()),
            row.band,
            row.band + countersign_domain::estimate::CONFIDENCE_BAND_WIDTH,
            row.error
        ));
    }
    out
}

/// `countersign-queue report shadow`: how often each shadow rule agreed with the live route and
/// with the people who judged the items.
pub fn shadow_table(report: &ThresholdReport) -> String {
    let mut out = String::from("Shadow rules (what they would have routed; they route nothing)\n");
    if report.shadow.is_empty() {
        out.push_str("  the policy has no shadow rule\n");
    }
    for row in &report.shadow {
        out.push_str(&format!(
            "  {} (would route {})\n    agrees with the live route: {}\n    agrees with the person who judged: {}\n",
            row.rule,
            crate::db::wire_name(&row.route),
            row.agrees_with_live,
            row.agrees_with_human
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audits(confidences: impl Iterator<Item = f64>) -> Vec<Audit> {
        confidences
            .map(|confidence| Audit {
                kind: "transaction".to_owned(),
                model: None,
                confidence,
                wrong: false,
            })
            .collect()
    }

    #[test]
    fn recommends_no_threshold_below_what_was_audited() {
        let policy = Policy::builtin();
        // 400 clean audits, all at 0.81 to 0.99: nothing is known below 0.81.
        let seen = audits((0..400).map(|n| 0.81 + f64::from(n % 19) / 100.0));
        let report = report(&policy, &seen, &[]);
        assert_eq!(report.recommendations[0].threshold, Some(0.80));
        // The same audits spread from 0.50 up allow 0.50.
        let spread = audits((0..400).map(|n| 0.50 + f64::from(n % 50) / 100.0));
        let report = super::report(&policy, &spread, &[]);
        assert_eq!(report.recommendations[0].threshold, Some(0.50));
    }
}
