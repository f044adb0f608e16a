//! Clinical order suggestions for fictional patients, with the facts a clinician signs off on.

use super::*;

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

pub(super) fn clinical_suggestion(
    rng: &mut StdRng,
    assessment: Assessment,
    now: DateTime<Utc>,
) -> Parts {
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
    // Titled by the case, not by the AI's answer: clinical suggestions are read blind first in the
    // demo policy, and the title shows before the reveal (docs/protocol.md, "Blind first read").
    let mut condition = scenario.short.chars();
    let title = format!(
        "{}{}: {}-year-old {person}",
        condition
            .next()
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_default(),
        condition.as_str(),
        patient.age
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
