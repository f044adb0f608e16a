//! Fictional demo work for Countersign: card payments flagged by a fraud model, AI content drafts,
//! clinical order suggestions, support reply drafts and a coding assistant's changes. Everything here
//! is made up: merchants, brands, products, customers, repositories and patients. The five kinds are
//! data ([`demo_kinds`], from the JSON files in `kinds/`, the bodies of `PUT /v1/kinds/{kind}`;
//! docs/protocol.md, "Kinds"). `countersign-queue seed-demo` and the desktop app's embedded queue
//! register them and submit these items; [`fixture`] is the same generator's small, fixed sample for
//! the UI's in-memory backend. [`history`] is the seeded plan of the demo's decided history. The queue
//! service's library uses this crate only behind its `demo` feature.
//!
//! Each item is built from its own random stream, derived from the seed and the item's index, so a
//! larger `count` extends a smaller one with the same seed and an index always keeps its external id.
//! The AI's confidence and risk are drawn first (spread so that the default policy auto-approves,
//! reviews and escalates a realistic share); the rest of the item is then made consistent with them.

mod clinical;
mod code_change;
mod content_draft;
pub mod history;
mod support_reply;
mod transaction;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use countersign_domain::kind::{KindDefinition, KindSpec};
use countersign_domain::{AiProposal, Evidence, GoldAnswer, GoldExpected, NewItem, Risk, Signal};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::clinical::clinical_suggestion;
use crate::content_draft::content_draft;
use crate::transaction::transaction;

/// The producer that submits demo work, wherever it is seeded.
pub const DEMO_PRODUCER: &str = "demo-producer";

/// Realistic demo submissions of the three built-in kinds, deterministic for a given seed.
pub fn demo_items(count: usize, seed: u64, now: DateTime<Utc>) -> Vec<NewItem> {
    (0..count)
        .map(|index| demo_item(index, seed, now))
        .collect()
}

/// The fixed handful of `support_reply` and `code_change` items, the kinds added as data only. Their
/// external ids never change, so seeding them again adds nothing; they carry no `due_at`, so their
/// kinds' `defaults.due_in` sets it.
pub fn assistant_items(now: DateTime<Utc>) -> Vec<NewItem> {
    let mut items = support_reply::support_replies(now);
    items.extend(code_change::code_changes());
    items
}

/// A few gold items (docs/protocol.md, "Gold items") of the three built-in kinds, as an admin adds
/// them: demo items from their own seed, made plain review work (medium risk, confidence 0.7) so that
/// the demo policy routes them to a team's reviewers, each with a known answer (every other one
/// `reject`) and appearing to come from [`DEMO_PRODUCER`]. Their external ids never change, so adding
/// them again adds nothing.
pub fn gold_items(now: DateTime<Utc>) -> Vec<NewItem> {
    gold_from(GOLD_ITEMS, GOLD_SEED, "demo-gold", now)
}

/// `count` gold items from `seed`'s demo items, as [`gold_items`] describes, with the external ids
/// `{prefix}-000`, `{prefix}-001`, …
fn gold_from(count: usize, seed: u64, prefix: &str, now: DateTime<Utc>) -> Vec<NewItem> {
    demo_items(count, seed, now)
        .into_iter()
        .enumerate()
        .map(|(index, mut item)| {
            item.external_id = format!("{prefix}-{index:03}");
            item.ai.risk = Risk::Medium;
            item.ai.confidence = 0.7;
            item.due_at = None;
            item.gold = Some(GoldAnswer {
                expected: if index % 2 == 0 {
                    GoldExpected::Approve
                } else {
                    GoldExpected::Reject
                },
                reason_code: None,
                as_producer: Some(DEMO_PRODUCER.to_owned()),
            });
            item
        })
        .collect()
}

const GOLD_ITEMS: usize = 12;
const GOLD_SEED: u64 = 0x601d;

/// Every demo kind as `PUT /v1/kinds/{kind}` registers it: `(kind, spec)`, from `kinds/<kind>.json`.
/// The seeding paths register these before they submit any item.
pub fn demo_kinds() -> Vec<(&'static str, KindSpec)> {
    KIND_FILES
        .iter()
        .map(|(kind, text)| {
            // The files are part of this crate; the `kinds_are_valid` test parses every one.
            let spec = serde_json::from_str(text).expect("kinds/*.json are valid kind specs");
            (*kind, spec)
        })
        .collect()
}

const KIND_FILES: [(&str, &str); 5] = [
    ("transaction", include_str!("../kinds/transaction.json")),
    ("content_draft", include_str!("../kinds/content_draft.json")),
    (
        "clinical_suggestion",
        include_str!("../kinds/clinical_suggestion.json"),
    ),
    ("support_reply", include_str!("../kinds/support_reply.json")),
    ("code_change", include_str!("../kinds/code_change.json")),
];

/// The instant [`fixture`] treats as now: fixed, so the fixture never changes by itself.
pub const FIXTURE_NOW: &str = "2026-03-02T09:30:00Z";

pub(crate) fn fixture_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(FIXTURE_NOW)
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A small deterministic sample for the UI's in-memory backend (`ui/src/lib/backend/demoFixture.json`,
/// kept current by this crate's `ui_fixture` test): [`demo_items`] then [`assistant_items`], as of
/// [`FIXTURE_NOW`].
pub fn fixture(count: usize, seed: u64) -> Vec<NewItem> {
    let now = fixture_now();
    let mut items = demo_items(count, seed, now);
    items.extend(assistant_items(now));
    items
}

/// The kinds of the UI's in-memory backend: [`demo_kinds`] as `GET /v1/kinds` lists them after one
/// registration each at [`FIXTURE_NOW`].
pub fn fixture_kinds() -> Vec<KindDefinition> {
    demo_kinds()
        .into_iter()
        .map(|(kind, spec)| KindDefinition {
            kind: kind.to_owned(),
            spec,
            revision: 1,
            updated_at: fixture_now(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Common machinery
// ---------------------------------------------------------------------------------------------

/// Salts that keep the per-block and per-item random streams apart.
const KIND_STREAM: u64 = 0x6b69_6e64;
const ITEM_STREAM: u64 = 0x6974_656d;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Transaction,
    ContentDraft,
    ClinicalSuggestion,
}

const KINDS: [Kind; 3] = [
    Kind::Transaction,
    Kind::ContentDraft,
    Kind::ClinicalSuggestion,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Transaction => "transaction",
            Kind::ContentDraft => "content_draft",
            Kind::ClinicalSuggestion => "clinical_suggestion",
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            Kind::Transaction => "txn",
            Kind::ContentDraft => "draft",
            Kind::ClinicalSuggestion => "clin",
        }
    }

    fn model(self) -> &'static str {
        match self {
            Kind::Transaction => "fraud-gbm-v7",
            Kind::ContentDraft => "draft-writer-3",
            Kind::ClinicalSuggestion => "clin-assist-2",
        }
    }
}

/// What the AI says about its own proposal; drawn before anything else about the item.
#[derive(Debug, Clone, Copy)]
struct Assessment {
    confidence: f64,
    risk: Risk,
}

impl Assessment {
    fn is_unsure(self) -> bool {
        self.confidence < 0.6
    }
}

/// The kind-specific parts of an item.
struct Parts {
    title: String,
    payload: Value,
    output: Value,
    reasoning: String,
    signals: Vec<Signal>,
    evidence: Vec<Evidence>,
}

fn demo_item(index: usize, seed: u64, now: DateTime<Utc>) -> NewItem {
    let kind = kind_for(index, seed);
    let mut rng = StdRng::seed_from_u64(stream_seed(seed, ITEM_STREAM, index as u64));
    let assessment = assess(&mut rng);
    let parts = match kind {
        Kind::Transaction => transaction(&mut rng, assessment, now),
        Kind::ContentDraft => content_draft(&mut rng, assessment),
        Kind::ClinicalSuggestion => clinical_suggestion(&mut rng, assessment, now),
    };
    NewItem {
        external_id: format!("demo-{}-{index:06}", kind.id_prefix()),
        kind: kind.name().to_owned(),
        title: parts.title,
        payload: parts.payload,
        ai: AiProposal {
            model: Some(kind.model().to_owned()),
            output: parts.output,
            reasoning: Some(parts.reasoning),
            confidence: assessment.confidence,
            risk: assessment.risk,
            signals: parts.signals,
            evidence: parts.evidence,
        },
        priority: priority(&mut rng, assessment.risk),
        due_at: due_at(&mut rng, assessment.risk, now),
        callback_url: None,
        gold: None,
    }
}

/// Kinds cycle in blocks of three, each block in its own shuffled order: every three consecutive
/// items cover all kinds, without a fixed rhythm.
fn kind_for(index: usize, seed: u64) -> Kind {
    let block = (index / KINDS.len()) as u64;
    let mut rng = StdRng::seed_from_u64(stream_seed(seed, KIND_STREAM, block));
    let mut order = KINDS;
    order.shuffle(&mut rng);
    order[index % KINDS.len()]
}

/// SplitMix64-style mixing of the seed, a stream salt and a counter.
pub(crate) fn stream_seed(seed: u64, salt: u64, n: u64) -> u64 {
    let mut z = seed ^ salt.rotate_left(29) ^ n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Confidence and risk, spread over the default policy's routes: about 15 % auto-approvable
/// (confidence ≥ 0.95, risk low), about a quarter for escalation (critical ~5 %, high, or
/// confidence < 0.5) and the rest for ordinary review.
fn assess(rng: &mut StdRng) -> Assessment {
    let (confidence, risk) = match rng.random_range(0..100u32) {
        0..15 => (hundredths(rng, 95, 99), Risk::Low),
        15..20 => (hundredths(rng, 55, 97), Risk::Critical),
        20..33 => (hundredths(rng, 42, 93), Risk::High),
        33..40 => {
            let risk = if rng.random_bool(0.4) {
                Risk::Low
            } else {
                Risk::Medium
            };
            (hundredths(rng, 30, 49), risk)
        }
        _ => {
            if rng.random_bool(0.4) {
                (hundredths(rng, 50, 94), Risk::Low)
            } else {
                (hundredths(rng, 50, 97), Risk::Medium)
            }
        }
    };
    Assessment { confidence, risk }
}

fn priority(rng: &mut StdRng, risk: Risk) -> i64 {
    match risk {
        Risk::Low => rng.random_range(5..=45),
        Risk::Medium => rng.random_range(30..=70),
        Risk::High => rng.random_range(55..=90),
        Risk::Critical => rng.random_range(85..=100),
    }
}

/// An SLA between 30 minutes and 3 days away, tighter for riskier items; some items have none.
fn due_at(rng: &mut StdRng, risk: Risk, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let max_minutes = match risk {
        Risk::Critical => 4 * 60,
        Risk::High => 12 * 60,
        Risk::Low | Risk::Medium => 3 * 24 * 60,
    };
    if risk != Risk::Critical && rng.random_bool(0.2) {
        return None;
    }
    Some(now + TimeDelta::minutes(rng.random_range(30..=max_minutes)))
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("demo tables are never empty")
}

fn pick_str(rng: &mut StdRng, items: &[&'static str]) -> &'static str {
    items
        .choose(rng)
        .copied()
        .expect("demo tables are never empty")
}

/// A number of hundredths in `lo..=hi`, e.g. `hundredths(rng, 95, 99)` is one of 0.95 … 0.99.
fn hundredths(rng: &mut StdRng, lo: u32, hi: u32) -> f64 {
    f64::from(rng.random_range(lo..=hi)) / 100.0
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

fn signal(name: &str, value: Value, weight: f64) -> Signal {
    Signal {
        name: name.to_owned(),
        value,
        weight: Some(round_to(weight, 2)),
    }
}

fn evidence(label: &str, text: impl Into<String>, source: &str) -> Evidence {
    Evidence {
        label: label.to_owned(),
        text: text.into(),
        source: Some(source.to_owned()),
    }
}

/// "a", "a and b", "a, b and c".
fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(|c: char| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `1234567` cents → `"12,345.67"`.
fn format_amount(cents: u64) -> String {
    let digits: Vec<char> = (cents / 100).to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|group| group.iter().collect())
        .collect();
    format!("{}.{:02}", groups.join(","), cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content_draft::{MAX_DRAFT_WORDS, MIN_DRAFT_WORDS};
    use chrono::TimeZone;
    use std::collections::HashSet;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0)
            .single()
            .expect("valid fixed date")
    }

    #[derive(Debug, PartialEq, Eq, Hash)]
    enum DefaultRoute {
        Auto,
        Review,
        Escalation,
    }

    fn default_route(item: &NewItem) -> DefaultRoute {
        let (confidence, risk) = (item.ai.confidence, item.ai.risk);
        if confidence >= 0.95 && risk == Risk::Low {
            DefaultRoute::Auto
        } else if confidence < 0.5 || matches!(risk, Risk::High | Risk::Critical) {
            DefaultRoute::Escalation
        } else {
            DefaultRoute::Review
        }
    }

    #[test]
    fn every_item_validates() {
        for seed in [0, 1, 42, 7_777] {
            for item in demo_items(300, seed, now()) {
                assert_eq!(item.validate(), Ok(()), "{}", item.external_id);
                assert!(item.callback_url.is_none());
                assert!(
                    (0.3..=0.99).contains(&item.ai.confidence),
                    "{}",
                    item.ai.confidence
                );
                assert!(item.payload.is_object());
                assert!(item.ai.model.is_some());
                assert!(!item.ai.signals.is_empty() && !item.ai.evidence.is_empty());
                if let Some(due) = item.due_at {
                    let ahead = due - now();
                    assert!(
                        ahead >= TimeDelta::minutes(30) && ahead <= TimeDelta::days(3),
                        "{ahead}"
                    );
                }
            }
        }
    }

    #[test]
    fn all_three_kinds_appear_in_thirty_items() {
        for seed in [0, 3, 99] {
            let kinds: HashSet<String> = demo_items(30, seed, now())
                .into_iter()
                .map(|i| i.kind)
                .collect();
            let expected: HashSet<String> = ["transaction", "content_draft", "clinical_suggestion"]
                .iter()
                .map(|k| (*k).to_owned())
                .collect();
            assert_eq!(kinds, expected);
        }
    }

    #[test]
    fn external_ids_are_unique_and_stable_per_index() {
        let items = demo_items(500, 5, now());
        let ids: HashSet<&str> = items.iter().map(|i| i.external_id.as_str()).collect();
        assert_eq!(ids.len(), items.len());
        assert!(items.iter().all(|i| i.external_id.starts_with("demo-")));
        // A longer run extends a shorter one.
        let shorter = demo_items(40, 5, now());
        assert_eq!(shorter[..], items[..40]);
    }

    #[test]
    fn the_fixture_is_the_generator_at_a_fixed_instant() {
        let fixture = fixture(12, 7);
        assert_eq!(fixture[..12], demo_items(12, 7, now())[..]);
        assert_eq!(fixture[12..], assistant_items(now())[..]);
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(demo_items(60, 11, now()), demo_items(60, 11, now()));
        assert_ne!(demo_items(60, 11, now()), demo_items(60, 12, now()));
    }

    #[test]
    fn spread_reaches_every_default_route() {
        for seed in [0, 1, 2, 123] {
            let items = demo_items(100, seed, now());
            let routes: Vec<DefaultRoute> = items.iter().map(default_route).collect();
            for route in [
                DefaultRoute::Auto,
                DefaultRoute::Review,
                DefaultRoute::Escalation,
            ] {
                assert!(routes.contains(&route), "seed {seed}: no {route:?}");
            }
        }
        // Over many items the shares land near the targets.
        let items = demo_items(2_000, 9, now());
        let share = |f: &dyn Fn(&NewItem) -> bool| {
            items.iter().filter(|i| f(i)).count() as f64 / items.len() as f64
        };
        let auto = share(&|i| default_route(i) == DefaultRoute::Auto);
        let escalation = share(&|i| default_route(i) == DefaultRoute::Escalation);
        let critical = share(&|i| i.ai.risk == Risk::Critical);
        assert!((0.11..=0.19).contains(&auto), "auto {auto}");
        assert!(
            (0.2..=0.32).contains(&escalation),
            "escalation {escalation}"
        );
        assert!((0.03..=0.08).contains(&critical), "critical {critical}");
        for risk in [Risk::Low, Risk::Medium, Risk::High, Risk::Critical] {
            assert!(items.iter().any(|i| i.ai.risk == risk));
        }
    }

    #[test]
    fn drafts_output_is_prose_of_the_right_length() {
        let items = demo_items(300, 21, now());
        let drafts: Vec<&NewItem> = items.iter().filter(|i| i.kind == "content_draft").collect();
        assert!(!drafts.is_empty());
        let mut texts = HashSet::new();
        for draft in &drafts {
            let text = draft.ai.output.as_str().expect("draft output is a string");
            let words = text.split_whitespace().count();
            assert!(
                (MIN_DRAFT_WORDS..=MAX_DRAFT_WORDS).contains(&words),
                "{words} words: {text}"
            );
            assert!(text.contains("\n\n"), "several paragraphs");
            assert!(!text.contains('{'), "unfilled template: {text}");
            texts.insert(text);
        }
        assert_eq!(texts.len(), drafts.len(), "drafts differ");
    }

    #[test]
    fn kind_specific_shapes() {
        for item in demo_items(90, 8, now()) {
            match item.kind.as_str() {
                "transaction" => {
                    assert!(item.payload["amount"].is_number());
                    assert!(item.payload["currency"].is_string());
                    let verdict = item.ai.output["verdict"].as_str().expect("verdict");
                    assert!(["allow", "block", "step_up"].contains(&verdict));
                    assert!(item.ai.output["score"].is_number());
                }
                "clinical_suggestion" => {
                    assert_eq!(item.payload["requires_attestation"], json!(true));
                    assert!(item.payload["contraindications"].is_array());
                    assert!(item.payload["patient"]["renal_function"]["egfr"].is_number());
                    assert!(item.ai.output["order"]["drug"].is_string());
                }
                "content_draft" => assert!(item.ai.output.is_string()),
                other => panic!("unexpected kind {other}"),
            }
        }
    }

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(format_amount(498_000), "4,980.00");
        assert_eq!(format_amount(1_234_567), "12,345.67");
        assert_eq!(format_amount(5), "0.05");
        assert_eq!(join_and(&["a", "b", "c"]), "a, b and c");
    }
}
