//! Fixture builders for the protocol's three shapes tests make most: a producer's submission
//! (`NewItem`), an assignment as a pull returns it, and a reviewer's mutation; and a registered kind
//! with identifying fields. Each is written once here; a test changes the fields it cares about on the
//! value it gets back.

use chrono::{DateTime, Duration, Utc};
use countersign_domain::blind::needs_judgement;
use countersign_domain::{
    Action, AiProposal, Assignment, BlindJudgement, BlindVerdict, DecisionId, Epoch, Item, ItemId,
    ItemStatus, Lease, LeaseId, Mutation, MutationId, NewItem, Risk, Route, Stage, blind_first,
};
use serde_json::{Value, json};

/// The time a mutation says its reviewer decided (`client_time`); the server only records it.
const CLIENT_TIME: &str = "2026-11-25T12:00:00Z";

/// A submission (`POST /v1/items` body) with the fields that matter to routing; the rest is a card
/// payment (or, for `content_draft`, a text draft) a fraud model flagged.
pub fn item(external_id: &str, kind: &str, confidence: f64, risk: &str) -> Value {
    json!({
        "external_id": external_id,
        "kind": kind,
        "title": format!("{kind} {external_id}"),
        "payload": {"amount": 4980, "currency": "EUR"},
        "ai": {"model": "test-model", "output": model_output(kind), "reasoning": "because",
               "confidence": confidence, "risk": risk,
               "signals": [{"name": "velocity_24h", "value": 7, "weight": 0.31}],
               "evidence": [{"label": "history", "text": "first purchase abroad", "source": "ledger"}]},
        "priority": 60,
    })
}

/// [`item`] as the typed `NewItem`, for code that submits in process.
pub fn new_item(external_id: &str, kind: &str, confidence: f64, risk: &str) -> NewItem {
    serde_json::from_value(item(external_id, kind, confidence, risk)).expect("a valid NewItem")
}

/// A transaction routed to plain review under the built-in policy (medium risk, mid confidence).
pub fn review_item(external_id: &str) -> Value {
    item(external_id, "transaction", 0.7, "medium")
}

fn model_output(kind: &str) -> Value {
    if kind == "content_draft" {
        json!("Draft text written by the model.")
    } else {
        json!({"verdict": "block", "score": 0.8})
    }
}

/// The human version of `output`, as `approve_with_edits` carries it.
fn correction_of(output: &Value) -> Value {
    if output.is_string() {
        json!("Draft text corrected by a person.")
    } else {
        json!({"verdict": "allow", "score": 0.1})
    }
}

/// An assignment of a pending transaction in plain review under `lease` (epoch 1, expiring eight
/// hours after `now`), as a pull hands it out.
pub fn assignment(item: ItemId, lease: LeaseId, now: DateTime<Utc>) -> Assignment {
    Assignment {
        item: Item {
            id: item,
            producer: "fraud-ai".into(),
            created_at: now,
            external_id: format!("txn-{item}"),
            kind: "transaction".into(),
            title: format!("item {item}"),
            payload: json!({}),
            ai: AiProposal {
                model: None,
                output: model_output("transaction"),
                reasoning: None,
                confidence: 0.6,
                risk: Risk::Medium,
                signals: vec![],
                evidence: vec![],
            },
            priority: 50,
            due_at: None,
            callback_url: None,
            route: Route::Review,
            routing_rule: "default".into(),
            approvals_required: 1,
            status: ItemStatus::Pending,
            outcome: None,
            decisions: vec![],
            team: None,
            warn_at: None,
            handoff: None,
            signature_required: None,
            blind: false,
        },
        stage: Stage::Review,
        lease: Lease {
            id: lease,
            epoch: Epoch(1),
            expires_at: now + Duration::hours(8),
        },
    }
}

/// Mutation `id` deciding `assignment` under its lease, with what `action` requires: a reason code
/// for a rejection, a correction for an approval with edits, and on an assignment read blind first
/// a blind judgement that agrees with the AI (confidence 3), recorded when the decision was made.
pub fn decision(id: MutationId, assignment: &Assignment, action: Action) -> Mutation {
    let client_time: DateTime<Utc> = CLIENT_TIME.parse().expect("a valid time");
    let blind = blind_first(&assignment.item, assignment.stage) && needs_judgement(action);
    Mutation {
        id,
        decision_id: DecisionId::new_v7(),
        item_id: assignment.item.id,
        lease_id: assignment.lease.id,
        lease_epoch: assignment.lease.epoch,
        action,
        correction: (action == Action::ApproveWithEdits)
            .then(|| correction_of(&assignment.item.ai.output)),
        reason_code: (action == Action::Reject).then(|| "suspected_fraud".to_owned()),
        note: None,
        attestation: None,
        client_time: Some(client_time),
        patch: None,
        rationale: None,
        tags: Vec::new(),
        signature: None,
        blind_judgement: blind.then_some(BlindJudgement {
            verdict: BlindVerdict::Approve,
            confidence: 3,
            note: None,
            recorded_at: client_time,
        }),
        opened_at: None,
    }
}

/// [`decision`] as JSON, for an assignment as a pull's JSON holds it and an action by its wire name.
pub fn mutation(id: u64, assignment: &Value, action: &str) -> Value {
    let assignment: Assignment =
        serde_json::from_value(assignment.clone()).expect("an assignment from a pull");
    let action: Action = serde_json::from_value(json!(action)).expect("an action's wire name");
    serde_json::to_value(decision(MutationId(id), &assignment, action)).expect("JSON")
}

/// Asserts that a push response applied every one of its `count` mutations.
pub fn assert_all_applied(pushed: &Value, count: usize) {
    let results = pushed["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), count, "{pushed}");
    assert!(
        results.iter().all(|result| result["status"] == "applied"),
        "{pushed}"
    );
}

/// The assignments of a pull response.
pub fn assignments(pull: &Value) -> Vec<Value> {
    pull["assignments"].as_array().cloned().unwrap_or_default()
}

/// A registered kind with no schema rules whose identifying fields (`hints.identifiers`: what search
/// filters and related cases use) are `(JSON Pointer, filter name)` pairs.
pub fn kind_with_identifiers(
    kind: &str,
    identifiers: &[(&str, &str)],
) -> countersign_domain::kind::KindDefinition {
    let identifiers: Vec<Value> = identifiers
        .iter()
        .map(|(pointer, filter)| json!({"pointer": pointer, "label": filter, "filter": filter}))
        .collect();
    serde_json::from_value(json!({
        "kind": kind,
        "label": kind,
        "plural": kind,
        "payload_schema": {},
        "output_schema": {},
        "hints": {"identifiers": identifiers},
        "reason_codes": [],
        "revision": 1,
        "updated_at": CLIENT_TIME,
    }))
    .expect("a valid kind definition")
}
