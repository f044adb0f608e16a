//! AI content drafts: product copy, emails and articles with the claims an editor checks.

use super::*;

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
pub(super) const MIN_DRAFT_WORDS: usize = 80;
pub(super) const MAX_DRAFT_WORDS: usize = 250;

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

pub(super) fn content_draft(rng: &mut StdRng, assessment: Assessment) -> Parts {
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
