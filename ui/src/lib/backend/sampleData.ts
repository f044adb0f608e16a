// Realistic, fictional sample submissions for the in-memory backend (development and tests only; never
// in the production bundle): card payments flagged by a fraud model, AI content drafts, clinical order
// suggestions, the two kinds that exist only as data (support replies and code changes, taken from the
// shared demo fixture, whose kind definitions the fake serves), and one item carrying script/HTML-injection
// payloads (it must render literally). They have the producer's submission shape (`NewItem`,
// docs/protocol.md), so the shared demo fixture can replace `sampleSubmissions` one for one.
import demoFixture from "./demoFixture.json";
import { between, type NewItem, pick, type Rand, rng, round } from "./fakeItems";
import type { Item, KindDefinition, KindList, Risk, Signal } from "./types";

const FIXTURE = demoFixture as unknown as { kinds: KindDefinition[]; items: NewItem[] };

/** The demo kinds, as the queue lists them once the demo registered them. */
export const DEMO_KINDS: KindList = { kinds: FIXTURE.kinds };

/** The fixture's `index`-th item of a kind, as a new submission. */
function fixtureItem(kind: string, index: number): NewItem {
  const pool = FIXTURE.items.filter((i) => i.kind === kind);
  const base = pool[Math.floor(index / 20) % pool.length]!;
  return { ...base, external_id: `demo-${kind}-${String(index).padStart(6, "0")}` };
}

const MERCHANTS = [
  { name: "Voltaic Electronics", category: "electronics retailer", mcc: "5732", high: true },
  { name: "Nordlicht Travel", category: "travel agency", mcc: "4722", high: true },
  { name: "Corner Grocer", category: "grocery store", mcc: "5411", high: false },
  { name: "Luma Jewellers", category: "jewellery store", mcc: "5944", high: true },
  { name: "Parcelpoint Gift Cards", category: "gift card seller", mcc: "5999", high: true },
  { name: "Bistro Marlowe", category: "restaurant", mcc: "5812", high: false },
  { name: "FuelHub", category: "fuel station", mcc: "5541", high: false },
];
const COUNTRIES = ["DE", "FR", "NL", "GB", "ES", "IT", "RO", "NG", "US", "BR"];
const OSES = ["Android 15", "iOS 19.1", "Windows 11", "macOS 16", "Linux"];

function transaction(r: Rand, risk: Risk, confidence: number) {
  const m = pick(r, MERCHANTS);
  const home = pick(r, ["DE", "FR", "NL", "GB"]);
  const abroad = risk === "high" || risk === "critical" ? r() < 0.7 : r() < 0.2;
  const country = abroad ? pick(r, COUNTRIES.filter((c) => c !== home)) : home;
  const amount = round(risk === "low" ? between(r, 8, 180) : between(r, 240, 6200));
  const cardPresent = r() < 0.35;
  const newDevice = !cardPresent && (risk === "high" || risk === "critical" || r() < 0.2);
  const avg = round(between(r, 25, 140));
  const velocity = Math.floor(between(r, 1, risk === "low" ? 3 : 9));
  const currency = home === "GB" ? "GBP" : "EUR";
  const signals: Signal[] = [
    { name: "amount_vs_avg_ticket", value: round(amount / avg, 1), weight: round(Math.min(0.35, (amount / avg - 1) * 0.035)) },
    { name: "velocity_24h", value: velocity, weight: round((velocity - 2) * 0.035) },
    { name: "geo_mismatch", value: country !== home, weight: country !== home ? 0.21 : -0.03 },
    { name: "new_device", value: newDevice, weight: newDevice ? 0.17 : -0.02 },
    { name: "card_present", value: cardPresent, weight: cardPresent ? -0.08 : 0.04 },
    { name: "merchant_category_risk", value: m.high ? "elevated" : "normal", weight: m.high ? 0.08 : 0 },
  ].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const score = round(risk === "low" ? between(r, 0.02, 0.2) : between(r, 0.45, 0.97));
  const verdict = score > 0.8 ? "block" : score > 0.45 ? "step_up" : "allow";
  const fmt = amount.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return {
    title: `${cardPresent ? "Card payment" : "Online card payment"} ${currency} ${fmt} at ${/^[aeiou]/.test(m.category) ? "an" : "a"} ${m.category}`,
    payload: {
      amount,
      currency,
      merchant: { name: m.name, category: m.category, mcc: m.mcc, country },
      country,
      card_present: cardPresent,
      channel: cardPresent ? "in_store" : "online",
      card: { network: pick(r, ["Visa", "Mastercard"]), last4: String(Math.floor(r() * 10000)).padStart(4, "0") },
      device: {
        fingerprint: `fp_${Math.floor(r() * 0xffffff).toString(16)}`,
        os: pick(r, OSES),
        status: newDevice ? "new" : "known",
        first_seen_days_ago: newDevice ? 0 : Math.floor(between(r, 10, 900)),
      },
      customer: {
        account_age_days: Math.floor(between(r, 20, 3000)),
        usual_countries: [home],
        avg_ticket: avg,
        chargebacks: r() < 0.15 ? 1 : 0,
      },
      attempted_at: new Date(Date.now() - between(r, 1, 90) * 60_000).toISOString(),
    },
    output: { verdict, score, reason_codes: signals.filter((s) => (s.weight ?? 0) >= 0.1).map((s) => s.name) },
    reasoning:
      verdict === "allow"
        ? `Spend is in line with the customer's history (average ticket ${currency} ${avg}); no strong fraud indicators.`
        : `The amount is ${round(amount / avg, 1)}× the customer's average ticket${country !== home ? `, the payment comes from ${country} while the customer usually pays in ${home}` : ""}${newDevice ? ", on a device never seen before" : ""}. Recommending ${verdict === "block" ? "a block" : "step-up authentication"}.`,
    model: "fraud-gbm-v7",
    signals,
    evidence: [
      { label: "Customer history", text: `Last 90 days: ${Math.floor(between(r, 12, 80))} payments, all in ${home}, none above ${currency} ${round(avg * 3)}.`, source: "ledger" },
      { label: "Device", text: newDevice ? "Device fingerprint first seen in this session." : "Device used for 14 earlier payments.", source: "device graph" },
    ],
    confidence,
  };
}

const PRODUCTS = [
  { name: "Aster 2 e-bike", brand: "Velora", claim: "It is the lightest e-bike in its class." },
  { name: "Quietline headphones", brand: "Sonder", claim: "They block 100% of background noise." },
  { name: "Harbour rain jacket", brand: "Northwind", claim: "It is guaranteed waterproof for life." },
];

function contentDraft(r: Rand, confidence: number) {
  const p = pick(r, PRODUCTS);
  const channel = pick(r, ["email", "product_page", "article"]);
  const audience = pick(r, ["existing customers", "urban commuters", "first-time buyers"]);
  const tone = pick(r, ["warm", "confident", "plain-spoken"]);
  const keyPoints = ["price and availability", "two-year warranty", "free returns within 30 days"];
  const draft = `Meet the ${p.name} from ${p.brand}.\n\nBuilt for ${audience}. ${p.claim} Order today and enjoy free returns within 30 days.\n\nEvery ${p.name} comes with a two-year warranty, so you can ride, listen or explore with confidence.`;
  return {
    title:
      channel === "email"
        ? `Email draft: the ${p.name} for ${audience}`
        : channel === "article"
          ? `Article draft: a closer look at the ${p.name}`
          : `Product page draft: ${p.name}`,
    payload: {
      brief: { subject: p.name, brand: p.brand, audience, tone, channel, key_points: keyPoints, word_limit: 120 },
      locale: "en-GB",
    },
    output: draft,
    reasoning: `Wrote a ${draft.split(/\s+/).length}-word ${channel.replace("_", " ")} in a ${tone} tone, covering 2 of 3 key points. Price and availability were not in the product sheet.`,
    model: "draft-writer-3",
    signals: [
      { name: "claims_needing_source", value: 1, weight: 0.38 },
      { name: "key_points_covered", value: 2, weight: 0.22 },
      { name: "brand_voice_match", value: round(between(r, 0.62, 0.97)), weight: -0.04 },
      { name: "readability_grade", value: Math.floor(between(r, 6, 11)), weight: 0.02 },
    ],
    evidence: [
      { label: "Style guide", text: "Avoid absolute claims (\u201cbest\u201d, \u201c100%\u201d, \u201cfor life\u201d) unless legal has signed them off.", source: "brand style guide §4.2" },
      { label: "Claims check", text: `No substantiation on file for: \u201c${p.claim.replace(/\.$/, "")}\u201d`, source: "claims register" },
    ],
    confidence,
  };
}

const SCENARIOS = [
  {
    short: "community-acquired pneumonia",
    suggestion: "Start amoxicillin 1 g orally three times daily for 5 days",
    order: { drug: "amoxicillin", dose: "1 g", route: "oral", frequency: "three times daily", duration: "5 days" },
    question: "Empirical antibiotic for CURB-65 score 1 pneumonia?",
    contraindications: ["penicillin allergy", "infectious mononucleosis"],
    allergy: "penicillin (rash, 2019)",
  },
  {
    short: "atrial fibrillation",
    suggestion: "Start apixaban 5 mg orally twice daily",
    order: { drug: "apixaban", dose: "5 mg", route: "oral", frequency: "twice daily", duration: "long term" },
    question: "Anticoagulation for new atrial fibrillation, CHA₂DS₂-VASc 3?",
    contraindications: ["active bleeding", "severe hepatic impairment", "eGFR below 15"],
    allergy: null,
  },
  {
    short: "type 2 diabetes",
    suggestion: "Increase metformin to 1 g orally twice daily",
    order: { drug: "metformin", dose: "1 g", route: "oral", frequency: "twice daily", duration: "long term" },
    question: "HbA1c 62 mmol/mol on metformin 500 mg twice daily: next step?",
    contraindications: ["eGFR below 30", "acute metabolic acidosis"],
    allergy: null,
  },
];

function clinical(r: Rand, risk: Risk, confidence: number, now: number) {
  const s = pick(r, SCENARIOS);
  const age = Math.floor(between(r, 34, 88));
  const sex = pick(r, ["female", "male"]);
  const egfr = Math.floor(risk === "low" ? between(r, 65, 104) : between(r, 28, 64));
  const hazardous = risk === "high" || risk === "critical";
  const allergies = hazardous && s.allergy ? [s.allergy] : [];
  const taken = new Date(now - Math.floor(between(r, 1, 20)) * 86_400_000).toISOString();
  return {
    // Titled by the case, not by the AI's answer: the title shows before a blind read's reveal.
    title: `${s.short.charAt(0).toUpperCase()}${s.short.slice(1)}: ${age}-year-old ${sex === "female" ? "woman" : "man"}`,
    payload: {
      patient: {
        ref: `PT-${Math.floor(between(r, 100000, 999999))}`,
        age,
        sex,
        weight_kg: Math.floor(between(r, 52, 104)),
        conditions: [s.short, pick(r, ["hypertension", "osteoarthritis", "asthma"])],
        medications: [pick(r, ["ramipril 5 mg daily", "amlodipine 5 mg daily", "salbutamol inhaler as needed"])],
        allergies,
        renal_function: { egfr, unit: "mL/min/1.73m²" },
        recent_labs: [
          { name: "creatinine", value: Math.min(900, Math.floor(6800 / egfr)), unit: "µmol/L", taken_at: taken },
          { name: "ALT", value: Math.floor(between(r, 12, 60)), unit: "U/L", taken_at: taken },
        ],
      },
      question: s.question,
      setting: pick(r, ["general practice", "acute medical unit", "outpatient clinic"]),
      contraindications: s.contraindications,
      requires_attestation: true,
    },
    output: {
      suggestion: s.suggestion,
      order: s.order,
      monitoring: "Review response and renal function in 1 week.",
      contraindications_checked: s.contraindications,
      ...(allergies.length ? { warnings: [`Recorded allergy: ${allergies[0]}`] } : {}),
    },
    reasoning: `Guideline first-line choice for ${s.short}. eGFR ${egfr} ${egfr < 45 ? "is reduced; dose adjustment should be considered" : "needs no dose adjustment"}.${allergies.length ? " A recorded allergy conflicts with this order." : ""}`,
    model: "clin-assist-2",
    signals: [
      { name: "guideline_match", value: "first_line", weight: -0.12 },
      { name: "renal_adjustment_needed", value: egfr < 45, weight: egfr < 45 ? 0.24 : -0.05 },
      { name: "allergy_conflict", value: allergies.length > 0, weight: allergies.length ? 0.41 : -0.03 },
    ],
    evidence: [
      { label: "Guideline", text: `First-line treatment for ${s.short} in adults.`, source: "national formulary 2026, ch. 5" },
      { label: "Renal function", text: `eGFR ${egfr} mL/min/1.73m² on ${taken.slice(0, 10)}.`, source: "lab results" },
    ],
    confidence,
  };
}

function assess(r: Rand): { risk: Risk; confidence: number } {
  const roll = r();
  if (roll < 0.06) return { risk: "critical", confidence: round(between(r, 0.55, 0.97)) };
  if (roll < 0.22) return { risk: "high", confidence: round(between(r, 0.42, 0.93)) };
  if (roll < 0.3) return { risk: "medium", confidence: round(between(r, 0.3, 0.49)) };
  if (roll < 0.62) return { risk: "low", confidence: round(between(r, 0.5, 0.94)) };
  return { risk: "medium", confidence: round(between(r, 0.5, 0.97)) };
}

type Parts = { title: string; payload: unknown; output: unknown; reasoning: string; model: string; signals: Signal[]; evidence: Item["ai"]["evidence"]; confidence: number };

/** One deterministic sample submission. */
function sampleSubmission(index: number, now: number, seed: number): NewItem {
  const r = rng(seed * 1_000_003 + index);
  const { risk, confidence } = assess(r);
  if (index % 20 === 9) return fixtureItem("support_reply", index);
  if (index % 20 === 19) return fixtureItem("code_change", index);
  const kind = ["transaction", "content_draft", "clinical_suggestion"][index % 3]!;
  let parts: Parts;
  if (kind === "transaction") parts = transaction(r, risk, confidence);
  else if (kind === "content_draft") parts = contentDraft(r, confidence);
  else parts = clinical(r, risk, confidence, now);
  const priority = Math.floor(
    risk === "low" ? between(r, 5, 45) : risk === "medium" ? between(r, 30, 70) : risk === "high" ? between(r, 55, 90) : between(r, 85, 100),
  );
  return {
    external_id: `demo-${kind}-${String(index).padStart(6, "0")}`,
    kind,
    title: parts.title,
    payload: parts.payload,
    ai: { model: parts.model, output: parts.output, reasoning: parts.reasoning, confidence: parts.confidence, risk, signals: parts.signals, evidence: parts.evidence },
    priority,
  };
}

/** The pool of sample submissions the fake's queue is built from, every kind represented. */
export function sampleSubmissions(now: number, count = 20, seed = 7): NewItem[] {
  return Array.from({ length: count }, (_, i) => sampleSubmission(i, now, seed));
}

const XSS = "<script>alert(1)</script>";
const IMG = '<img src=x onerror="window.__pwned=1">';

/** A submission whose every text field carries script and HTML injection. */
export const HOSTILE_SUBMISSION: NewItem = {
  external_id: "hostile-1",
  kind: "content_draft",
  title: `${XSS} Draft ${IMG}`,
  payload: {
    brief: { subject: IMG, brand: XSS, audience: "<b>bold</b>", tone: "plain", channel: "email", key_points: [XSS, IMG], word_limit: 80 },
    locale: "en-GB",
    [`<i>${"key"}</i>`]: { nested: `javascript:alert(1)` },
  },
  ai: {
    model: XSS,
    output: `Hello ${XSS}\n${IMG}\n[click](javascript:alert(1))`,
    reasoning: `Because ${IMG}`,
    confidence: 0.71,
    risk: "medium",
    signals: [{ name: XSS, value: IMG, weight: 0.2 }],
    evidence: [{ label: IMG, text: XSS, source: "<a href='https://evil.example'>src</a>" }],
  },
  // Above every generated item (they stop at 99), so it is the first one opened.
  priority: 100,
};
