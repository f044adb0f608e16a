//! Demo submissions for `countersign-queue seed-demo`: card payments flagged by a fraud model, AI
//! content drafts and clinical order suggestions. Everything here is fictional: merchants, brands,
//! products and patients are made up.
//!
//! Each item is built from its own random stream, derived from the seed and the item's index, so a
//! larger `count` extends a smaller one with the same seed and an index always keeps its external id.
//! The AI's confidence and risk are drawn first (spread so that the default policy auto-approves,
//! reviews and escalates a realistic share); the rest of the item is then made consistent with them.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use countersign_domain::{AiProposal, Evidence, NewItem, Risk, Signal};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Realistic demo submissions of the three built-in kinds, deterministic for a given seed.
pub fn demo_items(count: usize, seed: u64, now: DateTime<Utc>) -> Vec<NewItem> {
    (0..count)
        .map(|index| demo_item(index, seed, now))
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
fn stream_seed(seed: u64, salt: u64, n: u64) -> u64 {
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

// ---------------------------------------------------------------------------------------------
// Card transactions flagged by a fraud model
// ---------------------------------------------------------------------------------------------

struct Merchant {
    name: &'static str,
    category: &'static str,
    mcc: &'static str,
    /// Typical ticket range, in whole currency units.
    min: u32,
    max: u32,
    /// A category with elevated fraud rates (easily resold goods, money movement).
    high_risk: bool,
}

#[rustfmt::skip]
const MERCHANTS: &[Merchant] = &[
    Merchant { name: "Voltline Electronics", category: "electronics retailer", mcc: "5732", min: 60, max: 4_990, high_risk: true },
    Merchant { name: "Brightmere Grocers", category: "grocery store", mcc: "5411", min: 12, max: 240, high_risk: false },
    Merchant { name: "Skyharbor Airways", category: "airline", mcc: "4511", min: 90, max: 2_400, high_risk: false },
    Merchant { name: "Quillfeather Books", category: "bookshop", mcc: "5942", min: 8, max: 120, high_risk: false },
    Merchant { name: "Northgate Fuel", category: "fuel station", mcc: "5541", min: 20, max: 140, high_risk: false },
    Merchant { name: "Lumen & Vale Jewellers", category: "jewellery store", mcc: "5944", min: 150, max: 8_900, high_risk: true },
    Merchant { name: "Copperkettle Bistro", category: "restaurant", mcc: "5812", min: 18, max: 260, high_risk: false },
    Merchant { name: "Pixelforge Games", category: "online game store", mcc: "5816", min: 5, max: 350, high_risk: true },
    Merchant { name: "Harborview Suites", category: "hotel", mcc: "7011", min: 90, max: 1_800, high_risk: false },
    Merchant { name: "Tidewater Pharmacy", category: "pharmacy", mcc: "5912", min: 6, max: 160, high_risk: false },
    Merchant { name: "Giftwell Cards", category: "gift card seller", mcc: "5999", min: 25, max: 1_000, high_risk: true },
    Merchant { name: "Swiftmoor Money Transfer", category: "money transfer service", mcc: "4829", min: 50, max: 3_000, high_risk: true },
    Merchant { name: "Orbitline Telecom", category: "telecom provider", mcc: "4814", min: 15, max: 900, high_risk: false },
];

struct Home {
    country: &'static str,
    currency: &'static str,
    neighbours: &'static [&'static str],
}

#[rustfmt::skip]
const HOMES: &[Home] = &[
    Home { country: "DE", currency: "EUR", neighbours: &["AT", "NL", "FR", "DK"] },
    Home { country: "FR", currency: "EUR", neighbours: &["BE", "ES", "DE", "IT"] },
    Home { country: "NL", currency: "EUR", neighbours: &["BE", "DE", "GB"] },
    Home { country: "IE", currency: "EUR", neighbours: &["GB", "FR", "ES"] },
    Home { country: "GB", currency: "GBP", neighbours: &["IE", "FR", "ES", "PT"] },
    Home { country: "US", currency: "USD", neighbours: &["CA", "MX"] },
];

/// Countries none of the home profiles usually pays in.
const FAR_COUNTRIES: &[&str] = &[
    "JP", "SG", "AU", "BR", "ZA", "TH", "AE", "KR", "AR", "TR", "NZ", "IN",
];

const DEVICE_OS: &[&str] = &[
    "iOS 18",
    "iOS 17",
    "Android 15",
    "Android 14",
    "Windows 11",
    "macOS 15",
    "ChromeOS",
];
const CARD_NETWORKS: &[&str] = &["Visa", "Mastercard"];

/// The facts behind one card payment, before they are rendered.
struct Payment<'a> {
    merchant: &'a Merchant,
    home: &'a Home,
    usual_countries: Vec<&'a str>,
    country: &'a str,
    card_present: bool,
    new_device: bool,
    device_os: &'a str,
    fingerprint: String,
    device_age_days: u32,
    cents: u64,
    avg_ticket_cents: u64,
    velocity_24h: u32,
    account_age_days: u32,
    chargebacks: u32,
}

impl Payment<'_> {
    fn geo_mismatch(&self) -> bool {
        !self.usual_countries.contains(&self.country)
    }

    fn amount_ratio(&self) -> f64 {
        round_to(self.cents as f64 / self.avg_ticket_cents.max(1) as f64, 2)
    }
}

fn transaction(rng: &mut StdRng, assessment: Assessment, now: DateTime<Utc>) -> Parts {
    // How fraud-like the case really is; everything below leans on it.
    let fraudiness: f64 = match assessment.risk {
        Risk::Low => rng.random_range(0.02..0.2),
        Risk::Medium => rng.random_range(0.3..0.55),
        Risk::High => rng.random_range(0.6..0.85),
        Risk::Critical => rng.random_range(0.86..0.99),
    };
    let payment = draw_payment(rng, fraudiness);
    let score = round_to(fraudiness, 2);
    let verdict = match assessment.risk {
        Risk::Low => "allow",
        Risk::Medium => "step_up",
        Risk::High if score < 0.7 => "step_up",
        Risk::High | Risk::Critical => "block",
    };
    let signals = transaction_signals(rng, &payment);
    let reason_codes: Vec<&str> = signals
        .iter()
        .filter(|s| s.weight.is_some_and(|w| w >= 0.1))
        .map(|s| s.name.as_str())
        .collect();
    let output = json!({ "verdict": verdict, "score": score, "reason_codes": reason_codes });

    let amount = format_amount(payment.cents);
    let currency = payment.home.currency;
    let title = format!(
        "{} {currency} {amount} at {}",
        if payment.card_present {
            "Card payment"
        } else {
            "Online card payment"
        },
        with_article(payment.merchant.category),
    );
    let attempted_at = now - TimeDelta::minutes(rng.random_range(1..=90));
    let payload = json!({
        "amount": payment.cents as f64 / 100.0,
        "currency": currency,
        "merchant": {
            "name": payment.merchant.name,
            "category": payment.merchant.category,
            "mcc": payment.merchant.mcc,
            "country": payment.country,
        },
        "country": payment.country,
        "card_present": payment.card_present,
        "channel": if payment.card_present { "in_store" } else { "online" },
        "card": {
            "network": pick(rng, CARD_NETWORKS),
            "last4": format!("{:04}", rng.random_range(0..10_000u32)),
        },
        "device": {
            "fingerprint": payment.fingerprint,
            "os": payment.device_os,
            "status": if payment.new_device { "new" } else { "known" },
            "first_seen_days_ago": payment.device_age_days,
        },
        "customer": {
            "account_age_days": payment.account_age_days,
            "usual_countries": payment.usual_countries,
            "avg_ticket": payment.avg_ticket_cents as f64 / 100.0,
            "chargebacks": payment.chargebacks,
        },
        "attempted_at": timestamp(attempted_at),
    });
    Parts {
        title,
        payload,
        output,
        reasoning: transaction_reasoning(&payment, &signals, score, verdict, assessment),
        evidence: transaction_evidence(rng, &payment),
        signals,
    }
}

fn draw_payment(rng: &mut StdRng, fraudiness: f64) -> Payment<'static> {
    let home = pick(rng, HOMES);
    let merchant = if rng.random_bool(fraudiness) {
        let risky: Vec<&Merchant> = MERCHANTS.iter().filter(|m| m.high_risk).collect();
        *pick(rng, &risky)
    } else {
        pick(rng, MERCHANTS)
    };
    let mut usual_countries = vec![home.country];
    let extra = rng.random_range(0..=2);
    usual_countries.extend(home.neighbours.choose_multiple(rng, extra).copied());
    let country = if rng.random_bool((fraudiness * 1.1).min(0.95)) {
        pick_str(rng, FAR_COUNTRIES)
    } else {
        pick_str(rng, &usual_countries)
    };
    let card_present = rng.random_bool(0.65 * (1.0 - fraudiness));
    let new_device = rng.random_bool(if card_present {
        0.05 + 0.3 * fraudiness
    } else {
        0.1 + 0.8 * fraudiness
    });

    // Skew the amount up the merchant's range as the case gets more fraud-like.
    let spread = rng.random::<f64>() * 0.7 + fraudiness * 0.3;
    let units = f64::from(merchant.min) + f64::from(merchant.max - merchant.min) * spread.min(1.0);
    let mut cents = (units * 100.0).round() as u64;
    if fraudiness > 0.6 && rng.random_bool(0.4) {
        cents = (cents / 1_000).max(1) * 1_000; // round amounts: a common card-testing tell
    }
    let ratio = rng.random_range(0.4..1.6) * (1.0 + fraudiness * rng.random_range(0.0..12.0));
    let avg_ticket_cents = ((cents as f64 / ratio).round() as u64).max(500);

    Payment {
        merchant,
        home,
        usual_countries,
        country,
        card_present,
        new_device,
        device_os: pick_str(rng, DEVICE_OS),
        fingerprint: format!("fp_{:012x}", rng.random::<u64>() & 0xffff_ffff_ffff),
        device_age_days: if new_device {
            0
        } else {
            rng.random_range(20..=1_400)
        },
        cents,
        avg_ticket_cents,
        velocity_24h: rng.random_range(0..=2) + (fraudiness * rng.random_range(2.0..12.0)) as u32,
        account_age_days: if rng.random_bool(fraudiness * 0.7) {
            rng.random_range(2..=90)
        } else {
            rng.random_range(180..=4_200)
        },
        chargebacks: if rng.random_bool(fraudiness * 0.4) {
            rng.random_range(1..=3)
        } else {
            0
        },
    }
}

/// Signals with SHAP-style weights: positive pushes towards fraud, negative away from it.
fn transaction_signals(rng: &mut StdRng, p: &Payment<'_>) -> Vec<Signal> {
    let jitter = |rng: &mut StdRng| rng.random_range(-0.02..0.02);
    let ratio = p.amount_ratio();
    let mut signals = vec![
        signal(
            "amount_vs_avg_ratio",
            json!(ratio),
            ((ratio - 1.0) * 0.035).clamp(-0.05, 0.35) + jitter(rng),
        ),
        signal(
            "velocity_24h",
            json!(p.velocity_24h),
            ((f64::from(p.velocity_24h) - 2.0) * 0.035).clamp(-0.04, 0.3) + jitter(rng),
        ),
        signal(
            "geo_mismatch",
            json!(p.geo_mismatch()),
            if p.geo_mismatch() {
                rng.random_range(0.12..0.3)
            } else {
                rng.random_range(-0.06..-0.01)
            },
        ),
        signal(
            "new_device",
            json!(p.new_device),
            if p.new_device {
                rng.random_range(0.1..0.25)
            } else {
                rng.random_range(-0.05..-0.01)
            },
        ),
        signal(
            "card_present",
            json!(p.card_present),
            if p.card_present { -0.08 } else { 0.04 } + jitter(rng),
        ),
        signal(
            "account_age_days",
            json!(p.account_age_days),
            if p.account_age_days < 90 {
                rng.random_range(0.1..0.2)
            } else {
                rng.random_range(-0.07..-0.02)
            },
        ),
        signal(
            "prior_chargebacks",
            json!(p.chargebacks),
            if p.chargebacks > 0 {
                0.07 * f64::from(p.chargebacks)
            } else {
                -0.02
            },
        ),
        signal(
            "merchant_category_risk",
            json!(if p.merchant.high_risk {
                "elevated"
            } else {
                "normal"
            }),
            if p.merchant.high_risk { 0.08 } else { 0.0 } + jitter(rng),
        ),
    ];
    signals.sort_by(|a, b| {
        let (wa, wb) = (
            a.weight.unwrap_or_default().abs(),
            b.weight.unwrap_or_default().abs(),
        );
        wb.total_cmp(&wa)
    });
    signals
}

fn transaction_reasoning(
    p: &Payment<'_>,
    signals: &[Signal],
    score: f64,
    verdict: &str,
    a: Assessment,
) -> String {
    let drivers: Vec<String> = signals
        .iter()
        .filter(|s| s.weight.is_some_and(|w| w >= 0.1))
        .take(4)
        .map(|s| match s.name.as_str() {
            "geo_mismatch" => format!(
                "a payment from {} while the customer usually pays in {}",
                p.country,
                join_and(&p.usual_countries)
            ),
            "new_device" => "a device never seen on this account".to_owned(),
            "velocity_24h" => format!("{} card payments in the last 24 hours", p.velocity_24h),
            "amount_vs_avg_ratio" => format!(
                "an amount {:.1}× the customer's average ticket",
                p.amount_ratio()
            ),
            "account_age_days" => format!("an account opened only {} days ago", p.account_age_days),
            "prior_chargebacks" => format!("{} earlier chargebacks", p.chargebacks),
            "merchant_category_risk" => "a merchant category with elevated fraud rates".to_owned(),
            other => other.replace('_', " "),
        })
        .collect();
    let mut text = format!("Fraud score {score:.2}. ");
    if drivers.is_empty() {
        text.push_str("No strong risk signals: a known device, a usual country and a typical amount for this customer. ");
    } else {
        text.push_str(&format!("Main drivers: {}. ", join_and(&drivers)));
    }
    if a.confidence < 0.5 {
        text.push_str("The signals point in different directions and there are few comparable cases, so the score is uncertain. ");
    }
    text.push_str(match verdict {
        "allow" => "Recommend allowing the payment.",
        "step_up" => {
            "Recommend a step-up challenge (3-D Secure or in-app confirmation) before authorising."
        }
        _ => {
            "Recommend declining the payment and contacting the cardholder through a known channel."
        }
    });
    text
}

fn transaction_evidence(rng: &mut StdRng, p: &Payment<'_>) -> Vec<Evidence> {
    let currency = p.home.currency;
    let mut items = vec![evidence(
        "Customer profile",
        format!(
            "Account open {} days; {} chargebacks; usually pays in {}; average ticket {currency} {}.",
            p.account_age_days,
            p.chargebacks,
            p.usual_countries.join(", "),
            format_amount(p.avg_ticket_cents),
        ),
        "core banking customer profile",
    )];
    if p.new_device || rng.random_bool(0.3) {
        let seen = if p.new_device {
            format!(
                "first seen {} minutes before this payment",
                rng.random_range(1..=30)
            )
        } else {
            format!("linked to this customer for {} days", p.device_age_days)
        };
        items.push(evidence(
            "Device",
            format!("{} device {}, {seen}.", p.device_os, p.fingerprint),
            "device intelligence",
        ));
    }
    if p.velocity_24h >= 4 {
        let declined = rng.random_range(1..=p.velocity_24h / 2);
        items.push(evidence(
            "Velocity",
            format!("{} card payments in the last 24 hours, {declined} of them declined by other merchants.", p.velocity_24h),
            "authorisation log",
        ));
    }
    items.push(evidence(
        "Merchant",
        format!(
            "{}, MCC {} ({}), acquired in {}; 90-day fraud rate {:.1} %.",
            p.merchant.name,
            p.merchant.mcc,
            p.merchant.category,
            p.country,
            if p.merchant.high_risk {
                rng.random_range(0.6..2.5)
            } else {
                rng.random_range(0.02..0.3)
            },
        ),
        "merchant risk register",
    ));
    items
}

// ---------------------------------------------------------------------------------------------
// Content drafts
// ---------------------------------------------------------------------------------------------

struct KeyPoint {
    point: &'static str,
    detail: &'static str,
    source: &'static str,
}

struct Product {
    brand: &'static str,
    name: &'static str,
    noun: &'static str,
    points: &'static [KeyPoint],
    /// An unsubstantiated claim a careless draft might make.
    risky_claim: &'static str,
}

#[rustfmt::skip]
const PRODUCTS: &[Product] = &[
    Product {
        brand: "Lumora",
        name: "Lumora Arc desk lamp",
        noun: "desk lamp",
        points: &[
            KeyPoint { point: "adjustable colour temperature", detail: "A single touch strip moves the light from a warm 2,700 K glow to a crisp 6,500 K daylight tone.", source: "Arc spec sheet v3" },
            KeyPoint { point: "USB-C charging port in the base", detail: "A 20 W port in the base keeps a phone or earbuds topped up without another adapter on the desk.", source: "Arc spec sheet v3" },
            KeyPoint { point: "five-year warranty", detail: "Every lamp is covered for five years, and replacement parts ship free of charge.", source: "Lumora warranty terms 2025" },
        ],
        risky_claim: "Independent tests show that it cures eye strain and improves sleep within a week.",
    },
    Product {
        brand: "Fernway",
        name: "Fernway Flex policy",
        noun: "travel insurance policy",
        points: &[
            KeyPoint { point: "cancellation cover of up to 5,000 EUR", detail: "Trips cancelled for a covered reason are refunded up to 5,000 EUR per traveller.", source: "Flex policy wording, section 2" },
            KeyPoint { point: "round-the-clock medical helpline", detail: "Doctors and nurses answer the helpline at any hour in English, French, German and Spanish.", source: "Assistance partner SLA" },
            KeyPoint { point: "in-app claims process", detail: "Claims are filed from the app with photos of receipts, and most are settled within ten working days.", source: "Claims operations report Q4" },
        ],
        risky_claim: "Every claim is paid, whatever the circumstances.",
    },
    Product {
        brand: "Tallgrass",
        name: "Tallgrass Home 10 battery",
        noun: "home battery",
        points: &[
            KeyPoint { point: "10 kWh of usable capacity", detail: "That is enough to cover the evening use of a typical family home once the sun goes down.", source: "Home 10 datasheet rev. C" },
            KeyPoint { point: "app-based energy monitoring", detail: "The companion app shows, hour by hour, how much energy comes from the roof, the battery and the grid.", source: "Tallgrass app release notes 4.2" },
            KeyPoint { point: "certified installer network", detail: "Certified installers fit the battery in a single day, usually alongside an existing solar system.", source: "Installer programme overview" },
        ],
        risky_claim: "Owners are guaranteed an electricity bill of zero from the first month.",
    },
    Product {
        brand: "Corvid",
        name: "Corvid budgeting app",
        noun: "budgeting app",
        points: &[
            KeyPoint { point: "automatic categorisation", detail: "Payments are sorted into categories as they arrive, and a correction is remembered next time.", source: "Corvid feature brief 2025" },
            KeyPoint { point: "shared household budget", detail: "Households can share one budget while each person links only the accounts they choose.", source: "Corvid feature brief 2025" },
            KeyPoint { point: "ad-free, privacy-first design", detail: "The app carries no advertising and never sells or shares transaction data.", source: "Corvid privacy notice v6" },
        ],
        risky_claim: "Users typically double their savings in three months, guaranteed.",
    },
    Product {
        brand: "Bramblewood",
        name: "Bramblewood meal kit",
        noun: "meal kit",
        points: &[
            KeyPoint { point: "fifteen-minute recipes", detail: "Most recipes go from box to plate in about fifteen minutes with a single pan.", source: "Recipe team style sheet" },
            KeyPoint { point: "fully recyclable packaging", detail: "Boxes, liners and ice packs all go in household recycling, with no specialist drop-off needed.", source: "Packaging audit 2025" },
            KeyPoint { point: "flexible weekly plan", detail: "Deliveries can be skipped or paused in two taps, up to five days before they ship.", source: "Subscription terms v4" },
        ],
        risky_claim: "Our meals are proven to help you lose five kilos in a month.",
    },
    Product {
        brand: "Ironbark",
        name: "Ironbark Trail 2 running shoe",
        noun: "trail shoe",
        points: &[
            KeyPoint { point: "recycled knit upper", detail: "The upper is knitted from recycled polyester, about eight bottles' worth per pair.", source: "Trail 2 materials sheet" },
            KeyPoint { point: "wet-grip outsole", detail: "Deep lugs hold on wet rock and loose gravel alike, even on steep descents.", source: "Trail 2 lab test summary" },
            KeyPoint { point: "60-day free returns policy", detail: "Runners can send back a worn pair within 60 days if it does not suit them.", source: "Ironbark returns policy" },
        ],
        risky_claim: "It is clinically proven to prevent running injuries.",
    },
    Product {
        brand: "Halcyon",
        name: "Halcyon Drift headphones",
        noun: "pair of headphones",
        points: &[
            KeyPoint { point: "adaptive noise cancelling", detail: "Microphones sample the room hundreds of times a second and adjust the cancelling to match.", source: "Drift acoustic whitepaper" },
            KeyPoint { point: "30-hour battery life", detail: "A full charge lasts about 30 hours, and ten minutes on the cable adds another five.", source: "Drift spec sheet v2" },
            KeyPoint { point: "multipoint Bluetooth pairing", detail: "They stay connected to a laptop and a phone at once and switch to whichever starts playing.", source: "Drift spec sheet v2" },
        ],
        risky_claim: "They are the only headphones that protect your hearing from all damage.",
    },
];

const AUDIENCES: &[&str] = &[
    "busy parents",
    "small business owners",
    "existing customers",
    "first-time buyers",
    "students",
    "retirees",
    "frequent travellers",
    "remote workers",
];
const TONES: &[&str] = &[
    "friendly",
    "professional",
    "warm and reassuring",
    "playful",
    "concise and direct",
];
const CHANNELS: &[&str] = &["article", "email", "product page"];
const WORD_LIMITS: &[usize] = &[150, 180, 200, 250];
const MIN_DRAFT_WORDS: usize = 80;
const MAX_DRAFT_WORDS: usize = 250;

const EMAIL_SUBJECTS: &[&str] = &[
    "Subject: Meet the {product}",
    "Subject: A closer look at the {product}",
    "Subject: Something new from {brand}",
];
const EMAIL_GREETINGS: &[&str] = &["Hi there,", "Hello,", "Dear customer,"];
const EMAIL_INTROS: &[&str] = &[
    "We built the {product} with {audience} in mind, and we think it is worth a few minutes of your time.",
    "If you have been looking for a better {kind}, the {product} may be exactly what you need.",
    "Today we are sharing what makes the {product} different, and why {audience} keep choosing it.",
    "You told us what you wanted from a {kind}, and the {product} is our answer.",
];
const ARTICLE_HEADLINES: &[&str] = &[
    "The {product}: what {audience} should know",
    "A closer look at the {product}",
    "Why {audience} are talking about the {product}",
];
const ARTICLE_INTROS: &[&str] = &[
    "Choosing a {kind} is rarely exciting, but it is worth getting right.",
    "For {audience}, a good {kind} saves time, money and a surprising amount of worry.",
    "The {product} arrives in a crowded field, so we took a closer look at what sets it apart.",
    "{brand} spent two years listening to {audience}, and the {product} is the result.",
];
const PAGE_INTROS: &[&str] = &[
    "Meet the {product}, designed around the way {audience} actually live and work.",
    "The {product} takes the things you already like about a {kind} and makes them simpler.",
    "Built for {audience}, the {product} does the everyday things well and the hard things quietly.",
];
const POINT_LEADS: &[&str] = &[
    "A standout is the {point}.",
    "Many {audience} start with the {point}.",
    "It is hard to overlook the {point}.",
    "The {point} deserves a mention of its own.",
    "What people notice early on is the {point}.",
    "{brand} put real care into the {point}.",
];
const POINT_FOLLOW_UPS: &[&str] = &[
    "It is a small detail that makes a daily difference.",
    "That matters more than it sounds once the novelty wears off.",
    "For {audience}, that means one less thing to think about.",
    "We heard this request again and again, so we made it standard.",
    "It is the kind of thing you stop noticing because it simply works.",
];
const EMAIL_CLOSINGS: &[&str] = &[
    "If you would like to know more, reply to this email; we read every message.",
    "Take a look this week and let us know what you think.",
    "As always, thank you for being part of the {brand} community.",
];
const EMAIL_SIGN_OFFS: &[&str] = &[
    "Best regards,\nThe {brand} team",
    "Warm wishes,\nThe {brand} team",
];
const ARTICLE_CLOSINGS: &[&str] = &[
    "None of this makes the {product} perfect, but it does make it a sensible choice for {audience}.",
    "Whether it suits you depends on how you plan to use it, but the fundamentals are sound.",
    "We will report back once the {product} has been in daily use for a few months.",
];
const PAGE_CLOSINGS: &[&str] = &[
    "Available now from {brand} and selected partners.",
    "Questions? Our support team answers within one working day.",
    "Try the {product} for yourself and see the difference.",
];
const FILLERS: &[&str] = &[
    "{brand} designed it to be easy to understand from the very first day.",
    "Setting it up takes minutes, and friendly help is there whenever you need it.",
    "Feedback from early users shaped many of these decisions.",
    "Everything described here comes as standard, with no hidden extras.",
];

#[rustfmt::skip]
const STYLE_NOTES: &[(&str, &str, &str)] = &[
    ("Style guide", "Write in the second person and keep sentences under 25 words.", "Brand style guide v5, §2.1"),
    ("Style guide", "No exclamation marks in subject lines or headlines.", "Brand style guide v5, §3.4"),
    ("Style guide", "Use sentence case for headings; spell out numbers one to nine.", "Brand style guide v5, §4.2"),
    ("Accessibility", "Link text must describe its destination; avoid 'click here'.", "Accessibility checklist v2"),
    ("Legal", "Comparative, health and savings claims need substantiation on file before publication.", "Marketing claims policy, rev. 2025-03"),
];

/// Draft text as blocks: standalone lines (subject, greeting, sign-off) and paragraphs of sentences.
struct DraftText {
    header: Vec<String>,
    intro: Vec<String>,
    body: Vec<Vec<String>>,
    closing: Vec<String>,
    footer: Vec<String>,
}

impl DraftText {
    fn render(&self) -> String {
        let paragraphs = std::iter::once(self.intro.join(" "))
            .chain(self.body.iter().map(|p| p.join(" ")))
            .chain(std::iter::once(self.closing.join(" ")));
        self.header
            .iter()
            .cloned()
            .chain(paragraphs)
            .chain(self.footer.iter().cloned())
            .filter(|block| !block.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    fn words(&self) -> usize {
        self.render().split_whitespace().count()
    }

    /// Drops optional sentences (follow-ups beyond a point's lead and detail, extra intro lines)
    /// until the draft fits `max` words or nothing optional is left.
    fn trim_to(&mut self, max: usize) {
        while self.words() > max {
            let longest = self
                .body
                .iter_mut()
                .filter(|p| p.len() > 2)
                .max_by_key(|p| p.len());
            if let Some(paragraph) = longest {
                paragraph.pop();
            } else if self.intro.len() > 1 {
                self.intro.pop();
            } else {
                break;
            }
        }
    }
}

struct DraftContext<'a> {
    product: &'a Product,
    audience: &'a str,
}

impl DraftContext<'_> {
    fn fill(&self, template: &str) -> String {
        self.fill_point(template, "")
    }

    fn fill_point(&self, template: &str, point: &str) -> String {
        template
            .replace("{product}", self.product.name)
            .replace("{brand}", self.product.brand)
            .replace("{kind}", self.product.noun)
            .replace("{audience}", self.audience)
            .replace("{point}", point)
    }
}

fn content_draft(rng: &mut StdRng, assessment: Assessment) -> Parts {
    let product = pick(rng, PRODUCTS);
    let ctx = DraftContext {
        product,
        audience: pick_str(rng, AUDIENCES),
    };
    let tone = pick_str(rng, TONES);
    let channel = pick_str(rng, CHANNELS);
    let word_limit = *pick(rng, WORD_LIMITS);

    // Weaknesses follow the assessment: unsure drafts skip a key point, risky ones make a claim
    // nobody can back up, and some non-trivial ones run long.
    let covered: Vec<&KeyPoint> = if assessment.is_unsure() {
        let mut kept: Vec<&KeyPoint> = product.points.iter().collect();
        kept.remove(rng.random_range(0..kept.len()));
        kept
    } else {
        product.points.iter().collect()
    };
    let risky = matches!(assessment.risk, Risk::High | Risk::Critical);
    let may_run_long = assessment.risk != Risk::Low && rng.random_bool(0.3);

    let mut draft = compose_draft(rng, &ctx, channel, &covered, risky);
    draft.trim_to(if may_run_long {
        MAX_DRAFT_WORDS
    } else {
        word_limit
    });
    let mut filler = 0;
    while draft.words() < MIN_DRAFT_WORDS {
        let sentence = ctx.fill(FILLERS[filler % FILLERS.len()]);
        match draft.body.last_mut() {
            Some(paragraph) => paragraph.push(sentence),
            None => draft.intro.push(sentence),
        }
        filler += 1;
    }
    let text = draft.render();
    let words = draft.words();

    let missing: Vec<&str> = product
        .points
        .iter()
        .filter(|p| !covered.iter().any(|c| c.point == p.point))
        .map(|p| p.point)
        .collect();
    let key_points: Vec<&str> = product.points.iter().map(|p| p.point).collect();
    let payload = json!({
        "brief": {
            "subject": product.name,
            "brand": product.brand,
            "audience": ctx.audience,
            "tone": tone,
            "channel": channel,
            "key_points": key_points,
            "word_limit": word_limit,
        },
        "locale": "en-GB",
    });
    let title = match channel {
        "email" => format!("Email draft: the {} for {}", product.name, ctx.audience),
        "article" => format!("Article draft: a closer look at the {}", product.name),
        _ => format!("Product page draft: {}", product.name),
    };

    let signals = vec![
        signal(
            "word_count",
            json!(words),
            if words > word_limit { 0.12 } else { -0.03 },
        ),
        signal(
            "within_word_limit",
            json!(words <= word_limit),
            if words > word_limit { 0.1 } else { -0.02 },
        ),
        signal(
            "key_points_covered",
            json!(covered.len()),
            if missing.is_empty() { -0.08 } else { 0.22 },
        ),
        signal(
            "claims_needing_source",
            json!(u8::from(risky)),
            if risky {
                rng.random_range(0.3..0.45)
            } else {
                0.0
            },
        ),
        signal(
            "brand_voice_match",
            json!(hundredths(rng, 62, 97)),
            rng.random_range(-0.08..0.04),
        ),
        signal(
            "readability_grade",
            json!(rng.random_range(6..=11)),
            rng.random_range(-0.03..0.05),
        ),
    ];

    let mut evidence_items: Vec<Evidence> = STYLE_NOTES
        .choose_multiple(rng, 2)
        .map(|(label, text, source)| evidence(label, *text, source))
        .collect();
    if let Some(point) = covered.choose(rng) {
        evidence_items.push(evidence(
            &format!("Source: {}", point.point),
            point.detail,
            point.source,
        ));
    }
    if risky {
        evidence_items.push(evidence(
            "Claims check",
            format!(
                "No substantiation on file for: \u{201c}{}\u{201d}",
                product.risky_claim
            ),
            "claims register",
        ));
    }

    let mut reasoning = format!(
        "Wrote a {words}-word {channel} for {} in a {tone} tone, covering {} of {} key points.",
        ctx.audience,
        covered.len(),
        product.points.len(),
    );
    if !missing.is_empty() {
        reasoning.push_str(&format!(
            " Could not fit the {} naturally; it may need adding back.",
            join_and(&missing)
        ));
    }
    if words > word_limit {
        reasoning.push_str(&format!(" It runs over the {word_limit}-word limit."));
    }
    if risky {
        reasoning.push_str(" It includes a product claim with no substantiation on file, which needs a legal check before publication.");
    }
    if assessment.confidence < 0.5 {
        reasoning.push_str(
            " The brief's tone and channel pull in different directions, so the voice may be off.",
        );
    }

    Parts {
        title,
        payload,
        output: Value::String(text),
        reasoning,
        signals,
        evidence: evidence_items,
    }
}

fn compose_draft(
    rng: &mut StdRng,
    ctx: &DraftContext<'_>,
    channel: &str,
    points: &[&KeyPoint],
    risky: bool,
) -> DraftText {
    let (header, intros, closings, footer): (Vec<String>, &[&str], &[&str], Vec<String>) =
        match channel {
            "email" => (
                vec![
                    ctx.fill(pick_str(rng, EMAIL_SUBJECTS)),
                    ctx.fill(pick_str(rng, EMAIL_GREETINGS)),
                ],
                EMAIL_INTROS,
                EMAIL_CLOSINGS,
                vec![ctx.fill(pick_str(rng, EMAIL_SIGN_OFFS))],
            ),
            "article" => (
                vec![ctx.fill(pick_str(rng, ARTICLE_HEADLINES))],
                ARTICLE_INTROS,
                ARTICLE_CLOSINGS,
                Vec::new(),
            ),
            _ => (
                vec![ctx.product.name.to_owned()],
                PAGE_INTROS,
                PAGE_CLOSINGS,
                Vec::new(),
            ),
        };
    let intro_count = rng.random_range(1..=2);
    let intro: Vec<String> = intros
        .choose_multiple(rng, intro_count)
        .map(|t| ctx.fill(t))
        .collect();

    let mut leads: Vec<&str> = POINT_LEADS.to_vec();
    leads.shuffle(rng);
    let body = points
        .iter()
        .zip(leads)
        .map(|(point, lead)| {
            let mut paragraph = vec![ctx.fill_point(lead, point.point), point.detail.to_owned()];
            if rng.random_bool(0.6) {
                paragraph.push(ctx.fill(pick_str(rng, POINT_FOLLOW_UPS)));
            }
            paragraph
        })
        .collect();

    let mut closing = Vec::new();
    if risky {
        closing.push(ctx.product.risky_claim.to_owned());
    }
    closing.push(ctx.fill(pick_str(rng, closings)));
    DraftText {
        header,
        intro,
        body,
        closing,
        footer,
    }
}

// ---------------------------------------------------------------------------------------------
// Clinical suggestions
// ---------------------------------------------------------------------------------------------

struct Lab {
    name: &'static str,
    low: f64,
    high: f64,
    unit: &'static str,
    decimals: i32,
}

/// What makes the suggested order unsafe for this patient, when the case is risky.
struct Hazard {
    /// eGFR range that makes the order unsafe.
    egfr: Option<(u32, u32)>,
    allergy: Option<&'static str>,
    medication: Option<&'static str>,
    /// The finding, `{egfr}` standing for the patient's value.
    finding: &'static str,
}

struct Scenario {
    condition: &'static str,
    short: &'static str,
    question: &'static str,
    setting: &'static str,
    /// Fixed sex for the scenario, if it needs one.
    sex: Option<&'static str>,
    ages: (u32, u32),
    base_allergies: &'static [&'static str],
    drug: &'static str,
    dose: &'static str,
    route: &'static str,
    frequency: &'static str,
    duration: &'static str,
    monitoring: &'static str,
    contraindications: &'static [&'static str],
    labs: &'static [Lab],
    guidelines: &'static [(&'static str, &'static str)],
    hazard: Hazard,
}

#[rustfmt::skip]
const SCENARIOS: &[Scenario] = &[
    Scenario {
        condition: "non-valvular atrial fibrillation (CHA₂DS₂-VASc 4)",
        short: "atrial fibrillation",
        question: "New atrial fibrillation on ECG; CHA₂DS₂-VASc 4, HAS-BLED 2. Which anticoagulant, at what dose?",
        setting: "outpatient cardiology clinic",
        sex: None,
        ages: (65, 79),
        base_allergies: &[],
        drug: "apixaban",
        dose: "5 mg",
        route: "oral",
        frequency: "twice daily",
        duration: "long-term; review at 12 months",
        monitoring: "Renal function, full blood count and bleeding review at least yearly.",
        contraindications: &[
            "active clinically significant bleeding",
            "severe hepatic impairment",
            "creatinine clearance below 15 mL/min",
            "concomitant strong CYP3A4 and P-gp inhibitors",
            "dose reduction to 2.5 mg if two of: age ≥ 80, weight ≤ 60 kg, creatinine ≥ 133 µmol/L",
        ],
        labs: &[
            Lab { name: "haemoglobin", low: 118.0, high: 158.0, unit: "g/L", decimals: 0 },
            Lab { name: "platelets", low: 160.0, high: 390.0, unit: "×10⁹/L", decimals: 0 },
            Lab { name: "ALT", low: 12.0, high: 42.0, unit: "U/L", decimals: 0 },
        ],
        guidelines: &[
            ("Offer a direct oral anticoagulant to people with atrial fibrillation and a CHA₂DS₂-VASc score of 2 or more, taking bleeding risk into account.", "NICE NG196, Atrial fibrillation: diagnosis and management (2021)"),
            ("Apixaban is not recommended in patients with creatinine clearance below 15 mL/min.", "Apixaban summary of product characteristics, section 4.2"),
        ],
        hazard: Hazard {
            egfr: Some((10, 14)),
            allergy: None,
            medication: None,
            finding: "eGFR {egfr} mL/min/1.73m²: apixaban is not recommended below a creatinine clearance of 15 mL/min.",
        },
    },
    Scenario {
        condition: "community-acquired pneumonia (CURB-65 score 1)",
        short: "pneumonia",
        question: "Low-severity community-acquired pneumonia confirmed on chest X-ray. Suggest an empirical antibiotic.",
        setting: "emergency department",
        sex: None,
        ages: (25, 75),
        base_allergies: &[],
        drug: "amoxicillin",
        dose: "500 mg",
        route: "oral",
        frequency: "three times daily",
        duration: "5 days",
        monitoring: "Review at 48–72 hours, or sooner if symptoms worsen.",
        contraindications: &["penicillin allergy", "previous amoxicillin-associated rash", "infectious mononucleosis"],
        labs: &[
            Lab { name: "CRP", low: 40.0, high: 180.0, unit: "mg/L", decimals: 0 },
            Lab { name: "white cell count", low: 11.0, high: 18.0, unit: "×10⁹/L", decimals: 1 },
            Lab { name: "urea", low: 3.5, high: 6.8, unit: "mmol/L", decimals: 1 },
        ],
        guidelines: &[
            ("For low-severity community-acquired pneumonia in adults, amoxicillin for 5 days is the first-choice oral antibiotic.", "NICE NG138, Pneumonia (community-acquired): antimicrobial prescribing (2019)"),
            ("In penicillin allergy, doxycycline or clarithromycin are alternative first choices.", "NICE NG138, recommendation table 1"),
        ],
        hazard: Hazard {
            egfr: None,
            allergy: Some("penicillin (anaphylaxis)"),
            medication: None,
            finding: "Recorded penicillin anaphylaxis: amoxicillin is contraindicated; consider doxycycline instead.",
        },
    },
    Scenario {
        condition: "type 2 diabetes, newly diagnosed (HbA1c 58 mmol/mol)",
        short: "type 2 diabetes",
        question: "HbA1c 58 mmol/mol after three months of lifestyle measures. Which first-line drug?",
        setting: "primary care",
        sex: None,
        ages: (40, 76),
        base_allergies: &[],
        drug: "metformin",
        dose: "500 mg",
        route: "oral",
        frequency: "once daily with the evening meal",
        duration: "ongoing; titrate weekly to 1 g twice daily as tolerated",
        monitoring: "HbA1c in 3 months; eGFR at least yearly, every 3–6 months if below 60.",
        contraindications: &[
            "eGFR below 30 mL/min/1.73m²",
            "acute conditions with a risk of tissue hypoxia",
            "diabetic ketoacidosis",
        ],
        labs: &[
            Lab { name: "HbA1c", low: 52.0, high: 68.0, unit: "mmol/mol", decimals: 0 },
            Lab { name: "vitamin B12", low: 220.0, high: 600.0, unit: "ng/L", decimals: 0 },
        ],
        guidelines: &[
            ("Offer standard-release metformin as first-line drug treatment for type 2 diabetes.", "NICE NG28, Type 2 diabetes in adults: management"),
            ("Metformin is contraindicated when eGFR is below 30 mL/min/1.73m².", "ADA Standards of Care in Diabetes—2025, section 9"),
        ],
        hazard: Hazard {
            egfr: Some((21, 29)),
            allergy: None,
            medication: None,
            finding: "eGFR {egfr} mL/min/1.73m²: metformin is contraindicated below 30.",
        },
    },
    Scenario {
        condition: "uncomplicated lower urinary tract infection (not pregnant)",
        short: "urinary tract infection",
        question: "Two days of dysuria and frequency; urine dipstick nitrite positive. Which antibiotic?",
        setting: "primary care",
        sex: Some("female"),
        ages: (18, 82),
        base_allergies: &[],
        drug: "nitrofurantoin",
        dose: "100 mg modified-release",
        route: "oral",
        frequency: "twice daily",
        duration: "3 days",
        monitoring: "Return if no improvement within 48 hours; send a urine culture if symptoms persist.",
        contraindications: &["eGFR below 45 mL/min/1.73m²", "G6PD deficiency", "pregnancy at term"],
        labs: &[
            Lab { name: "urine dipstick leukocytes", low: 1.0, high: 3.0, unit: "+", decimals: 0 },
            Lab { name: "CRP", low: 3.0, high: 25.0, unit: "mg/L", decimals: 0 },
        ],
        guidelines: &[
            ("For non-pregnant women, nitrofurantoin for 3 days is a first-choice antibiotic if eGFR is 45 mL/min/1.73m² or more.", "NICE NG109, Urinary tract infection (lower): antimicrobial prescribing (2018)"),
        ],
        hazard: Hazard {
            egfr: Some((30, 42)),
            allergy: None,
            medication: None,
            finding: "eGFR {egfr} mL/min/1.73m²: nitrofurantoin should be avoided below 45; consider pivmecillinam.",
        },
    },
    Scenario {
        condition: "acute medical admission with reduced mobility",
        short: "VTE prophylaxis",
        question: "VTE risk assessment positive, bleeding risk low. Which pharmacological prophylaxis?",
        setting: "inpatient medical ward",
        sex: None,
        ages: (45, 90),
        base_allergies: &[],
        drug: "enoxaparin",
        dose: "40 mg",
        route: "subcutaneous",
        frequency: "once daily",
        duration: "until mobile, for at least 7 days",
        monitoring: "Platelet count if heparin was given in the last 100 days; reassess VTE and bleeding risk at 24 hours.",
        contraindications: &[
            "active bleeding",
            "platelets below 75 ×10⁹/L",
            "creatinine clearance below 30 mL/min (reduce to 20 mg)",
            "heparin-induced thrombocytopenia",
        ],
        labs: &[
            Lab { name: "platelets", low: 150.0, high: 380.0, unit: "×10⁹/L", decimals: 0 },
            Lab { name: "haemoglobin", low: 105.0, high: 150.0, unit: "g/L", decimals: 0 },
        ],
        guidelines: &[
            ("Offer pharmacological VTE prophylaxis to acutely ill medical patients whose risk of VTE outweighs their risk of bleeding.", "NICE NG89, Venous thromboembolism in over 16s (2018, updated 2019)"),
            ("Reduce the prophylactic dose to 20 mg once daily when creatinine clearance is 15–30 mL/min.", "Enoxaparin summary of product characteristics, section 4.2"),
        ],
        hazard: Hazard {
            egfr: Some((17, 28)),
            allergy: None,
            medication: None,
            finding: "eGFR {egfr} mL/min/1.73m²: the prophylactic dose should be 20 mg once daily, not 40 mg.",
        },
    },
    Scenario {
        condition: "hypertension, stage 2 (clinic BP 164/98 mmHg)",
        short: "hypertension",
        question: "Stage 2 hypertension confirmed on ambulatory monitoring, with type 2 diabetes. First-line treatment?",
        setting: "primary care",
        sex: None,
        ages: (38, 78),
        base_allergies: &[],
        drug: "ramipril",
        dose: "2.5 mg",
        route: "oral",
        frequency: "once daily",
        duration: "ongoing; titrate every 2–4 weeks to target",
        monitoring: "Urea, electrolytes and eGFR 1–2 weeks after starting and after each dose increase.",
        contraindications: &["history of angioedema", "pregnancy", "bilateral renal artery stenosis", "potassium above 5.0 mmol/L"],
        labs: &[
            Lab { name: "potassium", low: 3.8, high: 4.9, unit: "mmol/L", decimals: 1 },
            Lab { name: "sodium", low: 136.0, high: 144.0, unit: "mmol/L", decimals: 0 },
        ],
        guidelines: &[
            ("Offer an ACE inhibitor or an ARB as step 1 treatment to adults with hypertension and type 2 diabetes.", "NICE NG136, Hypertension in adults (2019, updated 2023)"),
            ("ACE inhibitors are contraindicated in people with a history of angioedema.", "Ramipril summary of product characteristics, section 4.3"),
        ],
        hazard: Hazard {
            egfr: None,
            allergy: Some("lisinopril (angioedema)"),
            medication: None,
            finding: "Previous angioedema on lisinopril: ACE inhibitors are contraindicated; consider an ARB with caution or a calcium-channel blocker.",
        },
    },
    Scenario {
        condition: "community-acquired pneumonia (CURB-65 score 1), penicillin allergy",
        short: "pneumonia with penicillin allergy",
        question: "Low-severity pneumonia in a patient with penicillin allergy. Which antibiotic?",
        setting: "emergency department",
        sex: None,
        ages: (35, 80),
        base_allergies: &["penicillin (urticaria)"],
        drug: "clarithromycin",
        dose: "500 mg",
        route: "oral",
        frequency: "twice daily",
        duration: "5 days",
        monitoring: "Review at 48–72 hours; check the medicines list for interactions before starting.",
        contraindications: &[
            "concomitant simvastatin or lovastatin",
            "QT prolongation or concomitant QT-prolonging drugs",
            "severe hepatic impairment with renal impairment",
        ],
        labs: &[
            Lab { name: "CRP", low: 35.0, high: 160.0, unit: "mg/L", decimals: 0 },
            Lab { name: "QTc", low: 400.0, high: 445.0, unit: "ms", decimals: 0 },
        ],
        guidelines: &[
            ("In penicillin allergy, doxycycline or clarithromycin for 5 days are first choices for low-severity pneumonia.", "NICE NG138, Pneumonia (community-acquired): antimicrobial prescribing (2019)"),
            ("Clarithromycin must not be given with simvastatin because of the risk of rhabdomyolysis.", "Clarithromycin summary of product characteristics, section 4.3"),
        ],
        hazard: Hazard {
            egfr: None,
            allergy: None,
            medication: Some("simvastatin 40 mg at night"),
            finding: "Takes simvastatin: clarithromycin is contraindicated with it (rhabdomyolysis risk); prefer doxycycline or pause the statin.",
        },
    },
];

/// Background conditions and the medicine that usually comes with each.
const COMORBIDITIES: &[(&str, &str)] = &[
    ("hypertension", "amlodipine 5 mg once daily"),
    ("hypercholesterolaemia", "atorvastatin 20 mg once daily"),
    ("hypothyroidism", "levothyroxine 75 micrograms once daily"),
    ("asthma", "beclometasone inhaler 200 micrograms twice daily"),
    ("gastro-oesophageal reflux", "omeprazole 20 mg once daily"),
    ("osteoarthritis", "paracetamol 1 g up to four times daily"),
];
const MINOR_ALLERGIES: &[&str] = &[
    "latex (contact dermatitis)",
    "codeine (nausea)",
    "elastoplast (skin irritation)",
];

struct Patient {
    reference: String,
    age: u32,
    sex: &'static str,
    weight_kg: f64,
    egfr: u32,
    conditions: Vec<String>,
    medications: Vec<String>,
    allergies: Vec<String>,
    labs_age_days: u32,
}

fn clinical_suggestion(rng: &mut StdRng, assessment: Assessment, now: DateTime<Utc>) -> Parts {
    let scenario = pick(rng, SCENARIOS);
    let hazardous = matches!(assessment.risk, Risk::High | Risk::Critical);
    let patient = draw_patient(rng, scenario, assessment, hazardous);
    let finding = hazardous.then(|| {
        scenario
            .hazard
            .finding
            .replace("{egfr}", &patient.egfr.to_string())
    });

    let suggestion = format!(
        "Start {} {} {}",
        scenario.drug, scenario.dose, scenario.frequency
    );
    let mut output = json!({
        "suggestion": suggestion,
        "order": {
            "drug": scenario.drug,
            "dose": scenario.dose,
            "route": scenario.route,
            "frequency": scenario.frequency,
            "duration": scenario.duration,
        },
        "monitoring": scenario.monitoring,
        "contraindications_checked": scenario.contraindications,
    });
    if let Some(finding) = &finding {
        output["warnings"] = json!([finding]);
    }

    let labs: Vec<Value> = scenario
        .labs
        .iter()
        .map(|lab| {
            json!({
                "name": lab.name,
                "value": lab_value(rng.random_range(lab.low..=lab.high), lab.decimals),
                "unit": lab.unit,
                "taken_at": timestamp(now - TimeDelta::days(i64::from(patient.labs_age_days))),
            })
        })
        .chain(std::iter::once(json!({
            "name": "creatinine",
            "value": (6_800 / patient.egfr.max(1)).min(900),
            "unit": "µmol/L",
            "taken_at": timestamp(now - TimeDelta::days(i64::from(patient.labs_age_days))),
        })))
        .collect();
    let payload = json!({
        "patient": {
            "ref": patient.reference,
            "age": patient.age,
            "sex": patient.sex,
            "weight_kg": patient.weight_kg,
            "conditions": patient.conditions,
            "medications": patient.medications,
            "allergies": patient.allergies,
            "renal_function": { "egfr": patient.egfr, "unit": "mL/min/1.73m²" },
            "recent_labs": labs,
        },
        "question": scenario.question,
        "setting": scenario.setting,
        "contraindications": scenario.contraindications,
        "requires_attestation": true,
    });

    let person = if patient.sex == "female" {
        "woman"
    } else {
        "man"
    };
    let title = format!(
        "{suggestion} ({}-year-old {person}, {})",
        patient.age, scenario.short
    );
    Parts {
        title,
        payload,
        output,
        reasoning: clinical_reasoning(scenario, &patient, finding.as_deref(), assessment),
        signals: clinical_signals(rng, scenario, &patient, hazardous),
        evidence: clinical_evidence(scenario, &patient, finding.as_deref()),
    }
}

/// Whole-number labs as JSON integers, the rest rounded to their usual precision.
fn lab_value(value: f64, decimals: i32) -> Value {
    if decimals == 0 {
        json!(value.round() as i64)
    } else {
        json!(round_to(value, decimals))
    }
}

fn draw_patient(
    rng: &mut StdRng,
    scenario: &Scenario,
    assessment: Assessment,
    hazardous: bool,
) -> Patient {
    let (young, old) = scenario.ages;
    let age = match assessment.risk {
        // Borderline cases skew older.
        Risk::Medium => rng.random_range((young + old) / 2..=old),
        _ => rng.random_range(young..=old),
    };
    let egfr = match scenario.hazard.egfr {
        Some((lo, hi)) if hazardous => rng.random_range(lo..=hi),
        _ if assessment.risk == Risk::Medium => rng.random_range(46..=64),
        _ => rng.random_range(65..=104),
    };
    let sex = scenario
        .sex
        .unwrap_or_else(|| pick_str(rng, &["female", "male"]));

    let mut conditions = vec![scenario.condition.to_owned()];
    let mut medications = Vec::new();
    let extra = rng.random_range(0..=2);
    for (condition, medicine) in COMORBIDITIES.choose_multiple(rng, extra) {
        if !scenario.condition.contains(condition) {
            conditions.push((*condition).to_owned());
            medications.push((*medicine).to_owned());
        }
    }
    let mut allergies: Vec<String> = scenario
        .base_allergies
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
    if rng.random_bool(0.2) {
        allergies.push(pick_str(rng, MINOR_ALLERGIES).to_owned());
    }
    if hazardous {
        if let Some(allergy) = scenario.hazard.allergy {
            allergies.push(allergy.to_owned());
        }
        if let Some(medicine) = scenario.hazard.medication {
            medications.push(medicine.to_owned());
        }
    }
    if allergies.is_empty() {
        allergies.push("none known".to_owned());
    }

    Patient {
        reference: format!("DEMO-PT-{:05}", rng.random_range(0..100_000u32)),
        age,
        sex,
        weight_kg: round_to(rng.random_range(52.0..112.0), 1),
        egfr,
        conditions,
        medications,
        allergies,
        // Unsure suggestions are working from stale results.
        labs_age_days: if assessment.confidence < 0.5 {
            rng.random_range(120..=400)
        } else {
            rng.random_range(0..=30)
        },
    }
}

fn clinical_signals(
    rng: &mut StdRng,
    scenario: &Scenario,
    patient: &Patient,
    hazardous: bool,
) -> Vec<Signal> {
    let renal_hazard = hazardous && scenario.hazard.egfr.is_some();
    let allergy_hazard = hazardous && scenario.hazard.allergy.is_some();
    let interaction_hazard = hazardous && scenario.hazard.medication.is_some();
    vec![
        signal(
            "egfr",
            json!(patient.egfr),
            if renal_hazard {
                0.4
            } else if patient.egfr < 65 {
                0.12
            } else {
                -0.05
            },
        ),
        signal(
            "age",
            json!(patient.age),
            if patient.age >= 75 { 0.1 } else { -0.02 },
        ),
        signal(
            "allergy_match",
            json!(allergy_hazard),
            if allergy_hazard { 0.45 } else { -0.04 },
        ),
        signal(
            "interaction_check",
            json!(if interaction_hazard { "flag" } else { "clear" }),
            if interaction_hazard { 0.38 } else { -0.03 },
        ),
        signal(
            "guideline_concordance",
            json!(hundredths(rng, 72, 98)),
            rng.random_range(-0.12..-0.04),
        ),
        signal(
            "labs_age_days",
            json!(patient.labs_age_days),
            if patient.labs_age_days > 90 {
                0.15
            } else {
                -0.02
            },
        ),
    ]
}

fn clinical_reasoning(
    scenario: &Scenario,
    patient: &Patient,
    finding: Option<&str>,
    a: Assessment,
) -> String {
    let mut text = format!(
        "Guideline first choice for {} is {} {} {}, {}. ",
        scenario.short, scenario.drug, scenario.dose, scenario.frequency, scenario.duration,
    );
    match finding {
        Some(finding) => {
            text.push_str(&format!("However: {finding} "));
            text.push_str(if a.risk == Risk::Critical {
                "The order must not be placed as written without senior sign-off."
            } else {
                "Proposed as requested, but the prescriber should confirm or choose the alternative."
            });
        }
        None => text.push_str(&format!(
            "No recorded allergy or interacting medicine; eGFR {} is adequate for the standard dose.",
            patient.egfr
        )),
    }
    if patient.labs_age_days > 90 {
        text.push_str(&format!(
            " The most recent labs are {} days old; repeat renal function before the first dose.",
            patient.labs_age_days
        ));
    }
    if a.risk == Risk::Medium && patient.age >= 75 {
        text.push_str(" Older patient: start low and review tolerance early.");
    }
    text
}

fn clinical_evidence(
    scenario: &Scenario,
    patient: &Patient,
    finding: Option<&str>,
) -> Vec<Evidence> {
    let mut items: Vec<Evidence> = scenario
        .guidelines
        .iter()
        .map(|(text, source)| evidence("Guideline", *text, source))
        .collect();
    let record = match finding {
        Some(finding) => finding.to_owned(),
        None => format!(
            "Allergies: {}. Medicines: {}. eGFR {} mL/min/1.73m².",
            patient.allergies.join(", "),
            if patient.medications.is_empty() {
                "none".to_owned()
            } else {
                patient.medications.join("; ")
            },
            patient.egfr,
        ),
    };
    items.push(evidence(
        "Patient record",
        record,
        "electronic health record (demo)",
    ));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
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
