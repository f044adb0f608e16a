//! Card payments flagged by a fraud model.

use super::*;

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

pub(super) fn transaction(rng: &mut StdRng, assessment: Assessment, now: DateTime<Utc>) -> Parts {
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
