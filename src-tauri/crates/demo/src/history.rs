//! The demo's decided history: about two weeks of past work by four simulated reviewers, so that a
//! newcomer's analytics view shows what the oversight measures look like on real volumes (README.md,
//! "Oversight measures"). This module is the pure, seeded part: who the reviewers are, what was
//! submitted, whether the AI was right, and how each reviewer reads an item, how long they take and
//! what they decide. The queue crate's `demo_history` drives it through the real sync path.
//!
//! The story the numbers tell: the AI's error rises as its confidence falls (more steeply for the
//! clinical model), so the threshold report finds where auto-approval is safe; Dev often moves to
//! the AI's answer after the reveal; Ben approves too readily, so his gold accuracy is low; and Ben
//! is still at work at the end, faster than his own usual pace.

use chrono::{DateTime, Utc};
use countersign_domain::{Action, BlindVerdict, GoldExpected, NewItem, Risk};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{demo_items, gold_from, stream_seed};

/// Every external id of the history starts with this (items and its gold items).
pub const HISTORY_PREFIX: &str = "history-";
/// The seed of everything the history draws.
pub const HISTORY_SEED: u64 = 0x4157_0e1d;
/// Calendar days the history covers, ending at the moment it is seeded.
pub const HISTORY_DAYS: i64 = 14;
/// Submissions per working day, per kind: (kind, count).
pub const DAILY_ITEMS: [(&str, usize); 3] = [
    ("transaction", 28),
    ("content_draft", 6),
    ("clinical_suggestion", 16),
];
/// Gold items of the history per kind: more than a reviewer of the kind meets in two weeks, since
/// each gold item is served to a reviewer once.
pub const HISTORY_GOLD: [(&str, usize); 3] = [
    ("transaction", 40),
    ("content_draft", 4),
    ("clinical_suggestion", 24),
];

/// A simulated reviewer: who they are and how they work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedReviewer {
    pub name: &'static str,
    pub full_name: &'static str,
    pub teams: &'static [&'static str],
    /// The chance they approve an AI answer that is wrong (a miss).
    pub miss: f64,
    /// The chance they reject an AI answer that is right (a false alarm).
    pub false_alarm: f64,
    /// After the reveal, the chance a blind rejection becomes an approval of the AI's answer.
    pub switch_to_ai: f64,
    /// Typical seconds on a transaction when fresh.
    pub pace_seconds: f64,
    /// Still at work when the history ends, faster than usual, without a break.
    pub works_late: bool,
}

/// The history's reviewers (role reviewer), in the order they pull.
pub const SIMULATED_REVIEWERS: [SimulatedReviewer; 4] = [
    SimulatedReviewer {
        name: "demo-ana",
        full_name: "Ana Lindqvist",
        teams: &["fraud"],
        miss: 0.08,
        false_alarm: 0.005,
        switch_to_ai: 0.05,
        pace_seconds: 75.0,
        works_late: false,
    },
    SimulatedReviewer {
        name: "demo-ben",
        full_name: "Ben Osei",
        teams: &["fraud", "editorial"],
        miss: 0.45,
        false_alarm: 0.01,
        switch_to_ai: 0.1,
        pace_seconds: 55.0,
        works_late: true,
    },
    SimulatedReviewer {
        name: "demo-cleo",
        full_name: "Cleo Martins",
        teams: &["clinical", "editorial"],
        miss: 0.06,
        false_alarm: 0.04,
        switch_to_ai: 0.08,
        pace_seconds: 80.0,
        works_late: false,
    },
    SimulatedReviewer {
        name: "demo-dev",
        full_name: "Dev Raman",
        teams: &["clinical"],
        miss: 0.1,
        false_alarm: 0.05,
        switch_to_ai: 0.6,
        pace_seconds: 70.0,
        works_late: false,
    },
];

/// The history's submissions, per working day (`days` of them), each day [`DAILY_ITEMS`] in
/// submission order: demo items of [`HISTORY_SEED`] that the demo policy gives to a team's reviewers
/// or auto-approves (low or medium risk, confidence at least 0.5; escalations would land with the
/// demo's senior), under external ids of their own and without `due_at`, so their rule's `due_in`
/// sets it.
pub fn history_days(days: usize, now: DateTime<Utc>) -> Vec<Vec<NewItem>> {
    let total: usize = DAILY_ITEMS.iter().map(|(_, count)| count * days).sum();
    // Three quarters of the demo mix qualifies and the kinds come in equal thirds: five times the
    // total is ample for the largest kind's quota.
    let candidates = demo_items(total.max(1) * 5, HISTORY_SEED, now);
    let mut by_day = vec![Vec::new(); days];
    let mut taken = std::collections::BTreeMap::<String, usize>::new();
    for mut item in candidates {
        if !matches!(item.ai.risk, Risk::Low | Risk::Medium) || item.ai.confidence < 0.5 {
            continue;
        }
        let rank = taken.entry(item.kind.clone()).or_default();
        let Some(day) = by_day.get_mut(*rank / quota(&DAILY_ITEMS, &item.kind).max(1)) else {
            continue;
        };
        *rank += 1;
        item.external_id = format!("{HISTORY_PREFIX}{}", item.external_id);
        item.due_at = None;
        day.push(item);
    }
    by_day
}

/// `kind`'s count in a table of (kind, count).
fn quota(table: &[(&str, usize)], kind: &str) -> usize {
    table
        .iter()
        .find(|(name, _)| *name == kind)
        .map_or(0, |(_, count)| *count)
}

/// The history's own gold items ([`HISTORY_GOLD`]), beside the demo's.
pub fn history_gold_items(now: DateTime<Utc>) -> Vec<NewItem> {
    let most = HISTORY_GOLD.iter().map(|(_, count)| count).max().copied();
    let candidates = gold_from(
        most.unwrap_or_default() * 3,
        HISTORY_SEED ^ 0x601d,
        &format!("{HISTORY_PREFIX}gold"),
        now,
    );
    let mut taken = std::collections::BTreeMap::<String, usize>::new();
    candidates
        .into_iter()
        .filter(|item| {
            let count = taken.entry(item.kind.clone()).or_default();
            *count += 1;
            *count <= quota(&HISTORY_GOLD, &item.kind)
        })
        .collect()
}

/// The chance the AI's proposal is wrong at `confidence`: rarely from 0.9 up, and a cliff below it,
/// rising as confidence falls; the clinical model falls more steeply (it is overconfident).
pub fn error_chance(kind: &str, confidence: f64) -> f64 {
    let chance = if confidence >= 0.9 {
        0.002 + (1.0 - confidence) * 0.02
    } else {
        let steepness = if kind == "clinical_suggestion" {
            1.3
        } else {
            1.0
        };
        (0.25 + (0.9 - confidence) * 0.6) * steepness
    };
    chance.clamp(0.001, 0.5)
}

/// Whether the AI's proposal on the item `external_id` is wrong: drawn once per item from
/// [`error_chance`], the same at every seeding.
pub fn ai_is_wrong(external_id: &str, kind: &str, confidence: f64) -> bool {
    let mut rng = StdRng::seed_from_u64(stream_seed(HISTORY_SEED, fnv1a(external_id), 0));
    rng.random::<f64>() < error_chance(kind, confidence)
}

/// Whether the AI's answer on a gold item is wrong: its known answer is a rejection.
pub fn gold_is_wrong(expected: GoldExpected) -> bool {
    expected == GoldExpected::Reject
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One item as a simulated reviewer meets it.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    pub kind: &'a str,
    /// Whether the AI's answer is wrong (the truth the reviewer may or may not see).
    pub ai_wrong: bool,
    /// Whether the reviewer records their own verdict before the reveal.
    pub blind: bool,
    /// The kind's reason codes, one of which a rejection gives.
    pub reason_codes: &'a [String],
    /// Late in the history's last session: faster than usual.
    pub tired: bool,
}

/// What a simulated reviewer does with one item.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedDecision {
    /// The verdict before the reveal, with its confidence (1-5), on a blind assignment.
    pub blind: Option<(BlindVerdict, u8)>,
    pub action: Action,
    pub reason_code: Option<String>,
    /// Seconds from opening the item to deciding it.
    pub seconds: i64,
}

/// How `reviewer` decides `case`: their own read (a miss or a false alarm by their rates), on a
/// blind assignment recorded first and then perhaps switched to the AI's answer after the reveal.
pub fn decide(
    reviewer: &SimulatedReviewer,
    case: &Case<'_>,
    rng: &mut StdRng,
) -> SimulatedDecision {
    let reads_wrong = if case.ai_wrong {
        !rng.random_bool(reviewer.miss)
    } else {
        rng.random_bool(reviewer.false_alarm)
    };
    let blind = case.blind.then(|| {
        let verdict = if reads_wrong {
            BlindVerdict::Reject
        } else {
            BlindVerdict::Approve
        };
        (verdict, rng.random_range(2..=5u8))
    });
    let switches = case.blind && reads_wrong && rng.random_bool(reviewer.switch_to_ai);
    let rejects = reads_wrong && !switches;
    let reason_code = rejects
        .then(|| {
            case.reason_codes
                .get(rng.random_range(0..case.reason_codes.len().max(1)))
        })
        .flatten()
        .cloned();
    let kind_factor = match case.kind {
        "clinical_suggestion" => 1.6,
        "content_draft" => 2.2,
        _ => 1.0,
    };
    let tired_factor = if case.tired { 0.35 } else { 1.0 };
    // A spread of about ×0.6 to ×1.7 around the reviewer's pace.
    let spread = (rng.random_range(-0.5..0.5f64)).exp();
    let seconds = reviewer.pace_seconds * kind_factor * tired_factor * spread;
    SimulatedDecision {
        blind,
        action: if rejects {
            Action::Reject
        } else {
            Action::Approve
        },
        reason_code,
        seconds: seconds.round().max(3.0) as i64,
    }
}

/// The random stream of `reviewer`'s decision on the item `item` (any text naming it): the same
/// reviewer decides the same item the same way whatever order the work comes in.
pub fn decision_rng(reviewer: &str, item: &str) -> StdRng {
    StdRng::seed_from_u64(stream_seed(HISTORY_SEED, fnv1a(reviewer), fnv1a(item)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        crate::fixture_now()
    }

    #[test]
    fn the_items_are_review_work_of_their_quota_and_their_own_ids() {
        let days = history_days(2, now());
        assert_eq!(days.len(), 2);
        for day in &days {
            for (kind, count) in DAILY_ITEMS {
                assert_eq!(
                    day.iter().filter(|item| item.kind == kind).count(),
                    count,
                    "{kind}"
                );
            }
        }
        for item in days.iter().flatten() {
            assert!(item.external_id.starts_with(HISTORY_PREFIX));
            assert!(matches!(item.ai.risk, Risk::Low | Risk::Medium));
            assert!(item.ai.confidence >= 0.5);
            assert_eq!(item.due_at, None);
        }
        assert_eq!(days, history_days(2, now()), "seeded: the same every time");
        let gold = history_gold_items(now());
        for (kind, count) in HISTORY_GOLD {
            assert_eq!(gold.iter().filter(|item| item.kind == kind).count(), count);
        }
        assert!(
            gold.iter()
                .all(|item| item.gold.is_some() && item.external_id.starts_with(HISTORY_PREFIX))
        );
    }

    #[test]
    fn the_ai_errs_more_at_lower_confidence() {
        for kind in ["transaction", "content_draft", "clinical_suggestion"] {
            let mut last = 0.0;
            for confidence in [0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5] {
                let chance = error_chance(kind, confidence);
                assert!(chance >= last, "{kind} {confidence}");
                last = chance;
            }
        }
        assert!(error_chance("transaction", 0.96) < 0.01);
        assert!(error_chance("transaction", 0.85) > 0.25);
        assert!(error_chance("clinical_suggestion", 0.7) > error_chance("transaction", 0.7));
        let wrong = (0..2_000)
            .filter(|n| ai_is_wrong(&format!("x-{n}"), "transaction", 0.7))
            .count();
        // 0.37 of 2,000: 740, within a wide margin.
        assert!((650..830).contains(&wrong), "{wrong}");
        assert_eq!(
            ai_is_wrong("history-txn-1", "transaction", 0.7),
            ai_is_wrong("history-txn-1", "transaction", 0.7)
        );
    }

    fn tally(reviewer: &SimulatedReviewer, ai_wrong: bool, blind: bool) -> (usize, usize, usize) {
        let mut rng = decision_rng("test", "item");
        let reasons = vec!["wrong".to_owned()];
        let case = Case {
            kind: "clinical_suggestion",
            ai_wrong,
            blind,
            reason_codes: &reasons,
            tired: false,
        };
        let decisions: Vec<SimulatedDecision> = (0..1_000)
            .map(|_| decide(reviewer, &case, &mut rng))
            .collect();
        let rejected = decisions
            .iter()
            .filter(|decision| decision.action == Action::Reject)
            .count();
        let blind_rejected = decisions
            .iter()
            .filter(|decision| matches!(decision.blind, Some((BlindVerdict::Reject, _))))
            .count();
        let switched = decisions
            .iter()
            .filter(|decision| {
                matches!(decision.blind, Some((BlindVerdict::Reject, _)))
                    && decision.action == Action::Approve
            })
            .count();
        assert!(decisions.iter().all(|decision| {
            (decision.action == Action::Reject) == decision.reason_code.is_some()
                && decision.blind.is_some() == blind
                && decision.seconds >= 3
        }));
        (rejected, blind_rejected, switched)
    }

    #[test]
    fn each_reviewer_behaves_as_the_story_says() {
        let [ana, ben, _cleo, dev] = SIMULATED_REVIEWERS;
        // Ben misses far more wrong answers than Ana.
        let (ana_caught, _, _) = tally(&ana, true, false);
        let (ben_caught, _, _) = tally(&ben, true, false);
        assert!(
            ana_caught > 880 && ben_caught < 620,
            "{ana_caught} {ben_caught}"
        );
        // Dev switches to the AI's answer after most blind rejections; Ana rarely.
        let (_, dev_blind, dev_switched) = tally(&dev, true, true);
        let (_, ana_blind, ana_switched) = tally(&ana, true, true);
        assert!(
            dev_switched * 2 > dev_blind,
            "{dev_switched} of {dev_blind}"
        );
        assert!(
            ana_switched * 10 < ana_blind,
            "{ana_switched} of {ana_blind}"
        );
        // Right answers are rarely rejected by anyone.
        for reviewer in SIMULATED_REVIEWERS {
            let (rejected, _, _) = tally(&reviewer, false, false);
            assert!(rejected < 80, "{} {rejected}", reviewer.name);
        }
    }

    #[test]
    fn a_tired_reviewer_is_faster() {
        let [_, ben, ..] = SIMULATED_REVIEWERS;
        let reasons = vec!["wrong".to_owned()];
        let mut case = Case {
            kind: "transaction",
            ai_wrong: false,
            blind: false,
            reason_codes: &reasons,
            tired: false,
        };
        let mut rng = decision_rng("test", "item");
        let fresh: i64 = (0..200)
            .map(|_| decide(&ben, &case, &mut rng).seconds)
            .sum();
        case.tired = true;
        let tired: i64 = (0..200)
            .map(|_| decide(&ben, &case, &mut rng).seconds)
            .sum();
        assert!(tired * 2 < fresh, "{tired} {fresh}");
    }
}
