//! The demo kinds (`kinds/*.json`) are what the queue accepts: each is a valid kind, and every demo
//! item, of every seed, satisfies its kind's schemas. The queue checks the same at `PUT /v1/kinds` and
//! `POST /v1/items` (docs/protocol.md, "Kinds"); this test keeps the data honest without a queue.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use countersign_demo::{FIXTURE_NOW, assistant_items, demo_items, demo_kinds};
use countersign_domain::NewItem;
use countersign_domain::kind::KindSpec;
use serde_json::{Value, json};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(FIXTURE_NOW)
        .expect("fixed instant")
        .with_timezone(&Utc)
}

fn all_items() -> Vec<NewItem> {
    let mut items = assistant_items(now());
    for seed in [0, 1, 7, 42, 7_777] {
        items.extend(demo_items(300, seed, now()));
    }
    items
}

/// The item as the hints' pointers see it: `/payload/...`, `/ai/output/...`.
fn as_document(item: &NewItem) -> Value {
    serde_json::to_value(item).expect("NewItem serializes")
}

fn hint_pointers(spec: &KindSpec) -> Vec<&str> {
    let hints = &spec.hints;
    let fields = hints
        .headline
        .iter()
        .chain(&hints.sections)
        .chain(&hints.editable);
    fields
        .flat_map(|f| std::iter::once(f.pointer.as_str()).chain(f.currency_pointer.as_deref()))
        .chain(hints.identifiers.iter().map(|i| i.pointer.as_str()))
        .collect()
}

#[test]
fn kinds_are_valid() {
    let kinds = demo_kinds();
    let names: Vec<&str> = kinds.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        names,
        [
            "transaction",
            "content_draft",
            "clinical_suggestion",
            "support_reply",
            "code_change"
        ]
    );
    for (kind, spec) in &kinds {
        for schema in [&spec.payload_schema, &spec.output_schema] {
            jsonschema::meta::validate(schema).unwrap_or_else(|e| panic!("{kind}: {e}"));
            jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("{kind}: {e}"));
        }
        let codes: Vec<&str> = spec.reason_codes.iter().map(|r| r.code.as_str()).collect();
        let unique: HashSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len(), "{kind}: duplicate reason codes");
        assert!(
            spec.reason_codes
                .iter()
                .all(|r| !r.code.is_empty() && !r.label.is_empty())
        );
        // Every kind keeps the two common reasons, last, as the UI always offered them.
        assert_eq!(
            codes[codes.len() - 2..],
            ["insufficient_evidence", "other"],
            "{kind}"
        );
        for pointer in hint_pointers(spec) {
            assert!(
                pointer.starts_with("/payload") || pointer.starts_with("/ai/output"),
                "{kind}: {pointer}"
            );
        }
        assert!(!spec.label.is_empty() && !spec.plural.is_empty());
    }
}

#[test]
fn every_demo_item_satisfies_its_kind() {
    let kinds: HashMap<&str, KindSpec> = demo_kinds().into_iter().collect();
    let validators: HashMap<&str, (jsonschema::Validator, jsonschema::Validator)> = kinds
        .iter()
        .map(|(kind, spec)| {
            let payload = jsonschema::validator_for(&spec.payload_schema).expect("payload schema");
            let output = jsonschema::validator_for(&spec.output_schema).expect("output schema");
            (*kind, (payload, output))
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for item in all_items() {
        let (kind, (payload, output)) = validators
            .get_key_value(item.kind.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "{}: kind {} is not a demo kind",
                    item.external_id, item.kind
                )
            });
        if let Err(error) = payload.validate(&item.payload) {
            panic!(
                "{} payload at {}: {error}",
                item.external_id,
                error.instance_path()
            );
        }
        if let Err(error) = output.validate(&item.ai.output) {
            panic!(
                "{} output at {}: {error}",
                item.external_id,
                error.instance_path()
            );
        }
        *seen.entry(kind).or_default() += 1;
    }
    for kind in kinds.keys() {
        assert!(
            seen.get(kind).copied().unwrap_or(0) >= 4,
            "few items of {kind}: {seen:?}"
        );
    }
}

/// Every hint points at something in at least one demo item of its kind (a typo shows nothing).
#[test]
fn every_hint_points_into_the_demo_items() {
    let items = all_items();
    for (kind, spec) in demo_kinds() {
        let documents: Vec<Value> = items
            .iter()
            .filter(|i| i.kind == kind)
            .map(as_document)
            .collect();
        for pointer in hint_pointers(&spec) {
            assert!(
                documents.iter().any(|d| d.pointer(pointer).is_some()),
                "{kind}: {pointer} matches no demo item"
            );
        }
    }
}

/// The schemas do refuse: a bad payload and a bad output of each new kind fail, at the right path.
#[test]
fn the_new_kinds_refuse_malformed_items() {
    let kinds: HashMap<&str, KindSpec> = demo_kinds().into_iter().collect();
    let cases = [
        (
            "support_reply",
            "payload",
            json!({ "customer": { "id": "c", "name": "n" }, "channel": "fax", "conversation": [] }),
            "/channel",
        ),
        (
            "support_reply",
            "output",
            json!({ "reply": "", "tone": "friendly", "intent": "refund" }),
            "/reply",
        ),
        (
            "code_change",
            "payload",
            json!({ "repository": { "name": "r", "base_branch": "main" }, "intent": "x", "tests": [{ "name": "t", "status": "green" }] }),
            "/tests/0/status",
        ),
        (
            "code_change",
            "output",
            json!({ "diff": "not a diff", "summary": "s" }),
            "/diff",
        ),
    ];
    for (kind, part, instance, path) in cases {
        let spec = &kinds[kind];
        let schema = if part == "payload" {
            &spec.payload_schema
        } else {
            &spec.output_schema
        };
        let validator = jsonschema::validator_for(schema).expect("schema");
        let paths: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.instance_path().to_string())
            .collect();
        assert!(paths.iter().any(|p| p == path), "{kind} {part}: {paths:?}");
    }
}
