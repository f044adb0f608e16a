//! The queue service over HTTP, on SQLite and on PostgreSQL: submission, routing, sync,
//! fencing, four-eyes, roles, audit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use countersign_domain::Role;
use countersign_queue::{Clock as _, ManualClock, Policy, SystemClock};
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

on_both_backends!(
    idempotent_submission,
    validation_failures_store_nothing,
    default_policy_routes,
    concurrent_pulls_never_share_an_item,
    escalations_go_to_seniors_only,
    four_eyes_needs_a_second_senior,
    replayed_push_returns_stored_results,
    gap_stops_processing,
    fencing_turns_stale_epochs_into_conflicts,
    expired_lease_without_rival_is_accepted,
    pull_renews_held_leases,
    roles_and_tokens,
    cancel_and_decided_elsewhere_reach_clients,
    audit_chain_detects_any_altered_row,
);

async fn idempotent_submission(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let other = queue.user("draftbot", Role::Producer).await;
    let submission = item("txn-000123", "transaction", 0.7, "medium");

    let first = queue.post("/v1/items", &producer, &submission).await;
    assert_eq!(first.status, 201);
    let again = queue.post("/v1/items", &producer, &submission).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], first.body["id"]);
    // Resubmitting with other content still returns the original, unchanged.
    let mut changed = submission.clone();
    changed["title"] = json!("something else");
    let changed = queue.post("/v1/items", &producer, &changed).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.body["title"], first.body["title"]);
    // The external id is unique per producer, not globally.
    let theirs = queue.post("/v1/items", &other, &submission).await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.body["id"], first.body["id"]);
    assert_eq!(queue.count("SELECT COUNT(*) FROM items").await, 2);

    // Validation comes first: an invalid resubmission is refused even though the id exists.
    let mut invalid = submission.clone();
    invalid["ai"]["confidence"] = json!(2);
    assert_eq!(
        queue.post("/v1/items", &producer, &invalid).await.status,
        422
    );

    let fetched = queue
        .get(
            &format!("/v1/items/{}", first.body["id"].as_str().expect("id")),
            &producer,
        )
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, first.body);
    let fetched_by_other = queue
        .get(
            &format!("/v1/items/{}", first.body["id"].as_str().expect("id")),
            &other,
        )
        .await;
    assert_eq!(fetched_by_other.status, 404);
    assert_eq!(fetched_by_other.code(), "not_found");
}

async fn validation_failures_store_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let base = item("txn-1", "transaction", 0.7, "medium");
    let set = |pointer: &str, value: Value| {
        let mut body = base.clone();
        let (parent, field) = pointer.rsplit_once('/').expect("pointer");
        let target = if parent.is_empty() {
            &mut body
        } else {
            body.pointer_mut(parent).expect("parent")
        };
        target[field] = value;
        body
    };
    let remove = |pointer: &str| {
        let mut body = base.clone();
        let (parent, field) = pointer.rsplit_once('/').expect("pointer");
        let target = if parent.is_empty() {
            &mut body
        } else {
            body.pointer_mut(parent).expect("parent")
        };
        target.as_object_mut().expect("object").remove(field);
        body
    };
    let cases: Vec<(&str, Value, u16)> = vec![
        (
            "confidence above 1",
            set("/ai/confidence", json!(1.01)),
            422,
        ),
        (
            "confidence below 0",
            set("/ai/confidence", json!(-0.5)),
            422,
        ),
        (
            "confidence not a number",
            set("/ai/confidence", json!("high")),
            422,
        ),
        ("unknown risk", set("/ai/risk", json!("extreme")), 422),
        ("priority above 100", set("/priority", json!(101)), 422),
        ("priority below 0", set("/priority", json!(-1)), 422),
        ("empty kind", set("/kind", json!("")), 422),
        ("empty title", set("/title", json!("   ")), 422),
        ("empty external id", set("/external_id", json!("")), 422),
        ("payload not an object", set("/payload", json!([1, 2])), 422),
        (
            "callback not http",
            set("/callback_url", json!("file:///etc/passwd")),
            422,
        ),
        ("due_at not a time", set("/due_at", json!("tomorrow")), 422),
        ("missing external id", remove("/external_id"), 422),
        ("missing kind", remove("/kind"), 422),
        ("missing title", remove("/title"), 422),
        ("missing ai", remove("/ai"), 422),
        ("missing ai output", remove("/ai/output"), 422),
        ("null ai output", set("/ai/output", Value::Null), 422),
        ("missing confidence", remove("/ai/confidence"), 422),
        ("missing risk", remove("/ai/risk"), 422),
        ("not an object", json!([1, 2, 3]), 422),
    ];
    for (name, body, status) in cases {
        let reply = queue.post("/v1/items", &producer, &body).await;
        assert_eq!(reply.status, status, "{name}: {reply:?}");
        assert!(!reply.code().is_empty(), "{name}: error body {reply:?}");
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }

    // Malformed JSON is 400, an oversized body 413; both with JSON error bodies.
    let malformed = queue
        .http()
        .post(format!("{}/v1/items", queue.url))
        .bearer_auth(&producer)
        .header("content-type", "application/json")
        .body("{\"external_id\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.expect("JSON error body");
    assert_eq!(body["error"]["code"], "malformed_json");

    let mut huge = base.clone();
    huge["payload"] = json!({"blob": "x".repeat(1024 * 1024 + 10)});
    let reply = queue.post("/v1/items", &producer, &huge).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.code(), "payload_too_large");

    assert_eq!(queue.count("SELECT COUNT(*) FROM items").await, 0);
    assert_eq!(queue.count("SELECT COUNT(*) FROM audit_log").await, 0);
}

async fn default_policy_routes(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let cases = [
        (
            "auto",
            0.97,
            "low",
            "auto_approved",
            "auto_approved",
            Some("approved"),
            1,
            "confident-low-risk-auto-approval",
        ),
        (
            "review",
            0.8,
            "medium",
            "review",
            "pending",
            None,
            1,
            "default-review",
        ),
        (
            "review-low-risk",
            0.9,
            "low",
            "review",
            "pending",
            None,
            1,
            "default-review",
        ),
        (
            "low-confidence",
            0.3,
            "low",
            "escalation",
            "pending",
            None,
            1,
            "low-confidence-escalation",
        ),
        (
            "high-risk",
            0.99,
            "high",
            "escalation",
            "pending",
            None,
            1,
            "high-risk-escalation",
        ),
        (
            "critical",
            0.99,
            "critical",
            "escalation",
            "pending",
            None,
            2,
            "critical-risk-four-eyes",
        ),
    ];
    for (id, confidence, risk, route, status, outcome, approvals, rule) in cases {
        for kind in [
            "transaction",
            "content_draft",
            "clinical_suggestion",
            "custom_kind",
        ] {
            let body = queue
                .submit(
                    &producer,
                    &item(&format!("{id}-{kind}"), kind, confidence, risk),
                )
                .await;
            assert_eq!(body["route"], route, "{id} {kind}");
            assert_eq!(body["status"], status, "{id} {kind}");
            assert_eq!(body["outcome"], json!(outcome), "{id} {kind}");
            assert_eq!(body["approvals_required"], approvals, "{id} {kind}");
            assert_eq!(body["routing_rule"], rule, "{id} {kind}");
            assert_eq!(body["decisions"], json!([]));
            assert_eq!(body["producer"], "bot");
        }
    }
}

async fn concurrent_pulls_never_share_an_item(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Arc::new(Queue::start(&db, QueueOptions::default()).await);
    let producer = queue.user("bot", Role::Producer).await;
    const ITEMS: usize = 600;
    const REVIEWERS: usize = 32;
    let mut submissions = futures::stream::iter(0..ITEMS)
        .map(|n| {
            let queue = queue.clone();
            let producer = producer.clone();
            async move {
                queue
                    .submit(
                        &producer,
                        &item(&format!("txn-{n}"), "transaction", 0.8, "medium"),
                    )
                    .await
            }
        })
        .buffer_unordered(16);
    while submissions.next().await.is_some() {}

    let mut tokens = Vec::new();
    for n in 0..REVIEWERS {
        tokens.push(queue.user(&format!("reviewer{n}"), Role::Reviewer).await);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(REVIEWERS));
    let pulls = tokens.into_iter().map(|token| {
        let (queue, barrier) = (queue.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            let pull = queue.pull(&token, Uuid::now_v7(), None).await;
            assignments(&pull)
                .iter()
                .map(|a| a["item"]["id"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>()
        })
    });
    let held: Vec<Vec<String>> = futures::future::join_all(pulls)
        .await
        .into_iter()
        .map(|joined| joined.expect("pull task"))
        .collect();
    let mut seen = HashSet::new();
    for ids in &held {
        assert!(ids.len() <= 50, "prefetch target is 50, got {}", ids.len());
        for id in ids {
            assert!(seen.insert(id.clone()), "item {id} held by two reviewers");
        }
    }
    // Demand (32 × 50) exceeds supply, so every item is handed out exactly once.
    assert_eq!(seen.len(), ITEMS);
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder IS NOT NULL")
            .await,
        ITEMS as i64
    );
}

use futures::StreamExt;

async fn escalations_go_to_seniors_only(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    let senior = queue.user("sam", Role::Senior).await;
    for n in 0..5 {
        queue
            .submit(
                &producer,
                &item(&format!("esc-{n}"), "transaction", 0.3, "high"),
            )
            .await;
    }
    let review = queue
        .submit(&producer, &item("rev-1", "content_draft", 0.8, "medium"))
        .await;

    let rita = Uuid::now_v7();
    let pulled = queue.pull(&reviewer, rita, None).await;
    let stages: Vec<String> = assignments(&pulled)
        .iter()
        .map(|a| a["stage"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(stages, vec!["review"], "a reviewer gets only review work");

    // The reviewer escalates; the item goes to seniors, not back to the reviewer.
    let escalate = mutation(1, &assignments(&pulled)[0], "escalate");
    let pushed = queue.push(&reviewer, rita, &[escalate]).await;
    assert_eq!(pushed["results"][0]["status"], "applied");
    let again = queue.pull(&reviewer, rita, pulled["cursor"].as_str()).await;
    assert!(assignments(&again).is_empty());

    let sam = queue.pull(&senior, Uuid::now_v7(), None).await;
    let held = assignments(&sam);
    assert_eq!(held.len(), 6);
    assert!(held.iter().all(|a| a["stage"] == "escalation"));
    let escalated = held
        .iter()
        .find(|a| a["item"]["id"] == review["id"])
        .expect("escalated item");
    assert_eq!(escalated["item"]["decisions"][0]["action"], "escalate");
    assert_eq!(escalated["item"]["decisions"][0]["by"], "rita");
}

async fn four_eyes_needs_a_second_senior(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("clinbot", Role::Producer).await;
    let ana = queue.user("ana", Role::Senior).await;
    let bo = queue.user("bo", Role::Senior).await;
    let critical = queue
        .submit(
            &producer,
            &item("clin-1", "clinical_suggestion", 0.9, "critical"),
        )
        .await;
    assert_eq!(critical["approvals_required"], 2);

    let ana_client = Uuid::now_v7();
    let ana_pull = queue.pull(&ana, ana_client, None).await;
    let ana_assignment = assignments(&ana_pull).remove(0);
    assert_eq!(ana_assignment["stage"], "escalation");
    let first = mutation(1, &ana_assignment, "approve_with_edits");
    let result = queue.push(&ana, ana_client, &[first]).await;
    assert_eq!(result["results"][0]["status"], "applied");

    // The first approver never gets the second approval, and cannot give it either.
    let ana_again = queue
        .pull(&ana, ana_client, ana_pull["cursor"].as_str())
        .await;
    assert!(assignments(&ana_again).is_empty());
    let second_by_ana = mutation(2, &ana_assignment, "approve");
    let result = queue.push(&ana, ana_client, &[second_by_ana]).await;
    assert_eq!(result["results"][0]["status"], "rejected");
    assert_eq!(result["results"][0]["code"], "same_approver");
    assert_eq!(
        result["last_mutation_id"], 2,
        "a rejection still advances the id"
    );

    let bo_client = Uuid::now_v7();
    let bo_pull = queue.pull(&bo, bo_client, None).await;
    let bo_assignment = assignments(&bo_pull).remove(0);
    assert_eq!(bo_assignment["stage"], "second_approval");
    assert!(bo_assignment["lease"]["epoch"].as_u64() > ana_assignment["lease"]["epoch"].as_u64());
    let result = queue
        .push(&bo, bo_client, &[mutation(1, &bo_assignment, "approve")])
        .await;
    assert_eq!(result["results"][0]["status"], "applied");

    let admin = queue.user("root", Role::Admin).await;
    let decided = queue
        .get(
            &format!("/v1/items/{}", critical["id"].as_str().expect("id")),
            &admin,
        )
        .await;
    assert_eq!(decided.body["status"], "decided");
    assert_eq!(decided.body["outcome"], "approved_with_edits");
    let by: Vec<&str> = decided.body["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .map(|d| d["by"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(by, vec!["ana", "bo"]);
    assert!(decided.body["decisions"][0]["correction"].is_object());

    // A reject by either approver is final.
    let other = queue
        .submit(
            &producer,
            &item("clin-2", "clinical_suggestion", 0.9, "critical"),
        )
        .await;
    let ana_pull = queue.pull(&ana, ana_client, None).await;
    let assignment = assignments(&ana_pull)
        .into_iter()
        .find(|a| a["item"]["id"] == other["id"])
        .expect("assigned");
    let result = queue
        .push(&ana, ana_client, &[mutation(3, &assignment, "reject")])
        .await;
    assert_eq!(result["results"][0]["status"], "applied");
    let rejected = queue
        .get(
            &format!("/v1/items/{}", other["id"].as_str().expect("id")),
            &admin,
        )
        .await;
    assert_eq!(rejected.body["outcome"], "rejected");
}

async fn replayed_push_returns_stored_results(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    for n in 0..3 {
        queue
            .submit(
                &producer,
                &item(&format!("d-{n}"), "content_draft", 0.8, "medium"),
            )
            .await;
    }
    let client = Uuid::now_v7();
    let pulled = assignments(&queue.pull(&reviewer, client, None).await);
    let mutations = [
        mutation(1, &pulled[0], "approve_with_edits"),
        mutation(2, &pulled[1], "reject"),
        mutation(3, &pulled[2], "approve_with_edits"),
    ];
    let mut invalid = mutations[2].clone();
    invalid["correction"] = json!({"not": "a string"}); // drafts are text: wrong type
    let batch = vec![mutations[0].clone(), mutations[1].clone(), invalid];
    let first = queue.push(&reviewer, client, &batch).await;
    let statuses: Vec<&str> = first["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, vec!["applied", "applied", "rejected"]);
    assert_eq!(first["last_mutation_id"], 3);

    let decisions = queue.count("SELECT COUNT(*) FROM decisions").await;
    let audit = queue.count("SELECT COUNT(*) FROM audit_log").await;
    let replay = queue.push(&reviewer, client, &batch).await;
    assert_eq!(replay, first, "a replay returns the stored results");
    assert_eq!(
        queue.count("SELECT COUNT(*) FROM decisions").await,
        decisions
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM audit_log").await, audit);

    // A new id after the replayed ones is applied once, in the same request.
    let mut with_new = batch.clone();
    with_new.push(mutation(4, &pulled[2], "approve_with_edits"));
    let mixed = queue.push(&reviewer, client, &with_new).await;
    assert_eq!(mixed["last_mutation_id"], 4);
    assert_eq!(mixed["results"][3]["status"], "applied");
    assert_eq!(
        queue.count("SELECT COUNT(*) FROM decisions").await,
        decisions + 1
    );

    // A different decision under a used id is never reported as applied.
    let reused = mutation(1, &pulled[0], "approve");
    let reply = queue.push(&reviewer, client, &[reused]).await;
    assert_eq!(reply["results"][0]["status"], "rejected");
    assert_eq!(reply["results"][0]["code"], "mutation_id_reused");
}

async fn gap_stops_processing(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    for n in 0..3 {
        queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.8, "medium"),
            )
            .await;
    }
    let client = Uuid::now_v7();
    let pulled = assignments(&queue.pull(&reviewer, client, None).await);
    let m1 = mutation(1, &pulled[0], "approve");
    let m2 = mutation(2, &pulled[1], "approve");
    let m3 = mutation(3, &pulled[2], "approve");

    let reply = queue
        .push(&reviewer, client, &[m1.clone(), m3.clone()])
        .await;
    assert_eq!(reply["last_mutation_id"], 1);
    assert_eq!(
        reply["results"].as_array().map(Vec::len),
        Some(1),
        "no result after the gap"
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM decisions").await, 1);

    // Starting with a gap applies nothing at all.
    let reply = queue
        .push(&reviewer, client, std::slice::from_ref(&m3))
        .await;
    assert_eq!(reply["last_mutation_id"], 1);
    assert_eq!(reply["results"], json!([]));

    // Out of order within a request is fine: the server applies in id order.
    let reply = queue.push(&reviewer, client, &[m3, m2]).await;
    assert_eq!(reply["last_mutation_id"], 3);
    assert_eq!(queue.count("SELECT COUNT(*) FROM decisions").await, 3);
}

fn short_lease_policy() -> Policy {
    Policy::parse(
        &countersign_queue::policy::DEFAULT_POLICY_TOML
            .replace("lease_seconds = 28800", "lease_seconds = 60"),
        "test",
    )
    .expect("policy")
}

async fn fencing_turns_stale_epochs_into_conflicts(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: short_lease_policy(),
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let bo = queue.user("bo", Role::Reviewer).await;
    let only = queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;

    let ana_client = Uuid::now_v7();
    let ana_assignment = assignments(&queue.pull(&ana, ana_client, None).await).remove(0);
    let bo_client = Uuid::now_v7();
    let bo_first = queue.pull(&bo, bo_client, None).await;
    assert!(assignments(&bo_first).is_empty(), "the only item is ana's");

    // Ana's lease runs out while Bo waits for work: the sweeper takes it back, Bo gets it.
    clock.advance(chrono::Duration::seconds(61));
    let reclaimed = countersign_queue::sync::sweep_expired(queue.state())
        .await
        .expect("sweep");
    assert_eq!(reclaimed, 1);
    let bo_pull = queue
        .pull(&bo, bo_client, bo_first["cursor"].as_str())
        .await;
    let bo_assignment = assignments(&bo_pull).remove(0);
    assert_eq!(bo_assignment["item"]["id"], only["id"]);
    assert!(bo_assignment["lease"]["epoch"].as_u64() > ana_assignment["lease"]["epoch"].as_u64());

    // Ana's late decision under the old epoch is a conflict; nothing changes but the audit log.
    let late = mutation(1, &ana_assignment, "approve_with_edits");
    let reply = queue
        .push(&ana, ana_client, std::slice::from_ref(&late))
        .await;
    assert_eq!(reply["results"][0]["status"], "conflict");
    assert_eq!(reply["results"][0]["code"], "reassigned");
    assert_eq!(reply["last_mutation_id"], 1);
    assert_eq!(queue.count("SELECT COUNT(*) FROM decisions").await, 0);
    let admin = queue.user("root", Role::Admin).await;
    let audit = queue
        .get(
            &format!("/v1/audit?item_id={}", only["id"].as_str().expect("id")),
            &admin,
        )
        .await;
    let conflict = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "conflict")
        .expect("conflict kept in audit log")
        .clone();
    assert_eq!(conflict["actor"], "ana");
    assert_eq!(conflict["data"]["correction"], late["correction"]);
    assert_eq!(conflict["data"]["code"], "reassigned");

    // Ana's client hears that the item was reassigned.
    let ana_pull = queue.pull(&ana, ana_client, None).await;
    assert!(assignments(&ana_pull).is_empty());

    // Bo's decision under the current epoch applies.
    let reply = queue
        .push(&bo, bo_client, &[mutation(1, &bo_assignment, "approve")])
        .await;
    assert_eq!(reply["results"][0]["status"], "applied");
}

async fn expired_lease_without_rival_is_accepted(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: short_lease_policy(),
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;
    queue
        .submit(&producer, &item("t-2", "transaction", 0.8, "medium"))
        .await;
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&ana, client, None).await);

    // Hours offline: the leases expired, but nobody else wanted the work.
    clock.advance(chrono::Duration::hours(3));
    assert_eq!(
        countersign_queue::sync::sweep_expired(queue.state())
            .await
            .expect("sweep"),
        0
    );
    let reply = queue
        .push(&ana, client, &[mutation(1, &held[0], "approve")])
        .await;
    assert_eq!(reply["results"][0]["status"], "applied");

    // Even once reclaimed for a newcomer, an item nobody has taken yet still accepts it.
    let bo = queue.user("bo", Role::Reviewer).await;
    let bo_client = Uuid::now_v7();
    // Bo pulls once while nothing is free, which marks him as wanting work.
    queue.pull(&bo, bo_client, None).await;
    assert_eq!(
        countersign_queue::sync::sweep_expired(queue.state())
            .await
            .expect("sweep"),
        1
    );
    let reply = queue
        .push(&ana, client, &[mutation(2, &held[1], "reject")])
        .await;
    assert_eq!(reply["results"][0]["status"], "applied", "{reply}");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE status = 'decided'")
            .await,
        2
    );
}

async fn pull_renews_held_leases(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;
    let client = Uuid::now_v7();
    let first = queue.pull(&ana, client, None).await;
    let expiry = |pull: &Value| {
        chrono::DateTime::parse_from_rfc3339(
            assignments(pull)[0]["lease"]["expires_at"]
                .as_str()
                .expect("time"),
        )
        .expect("RFC 3339")
    };
    let granted = expiry(&first);
    assert_eq!(
        granted.timestamp() - countersign_queue::Clock::now(clock.as_ref()).timestamp(),
        8 * 3600,
        "leases last 8 hours"
    );

    clock.advance(chrono::Duration::minutes(30));
    let second = queue.pull(&ana, client, first["cursor"].as_str()).await;
    assert_eq!(
        (expiry(&second) - granted).num_minutes(),
        30,
        "the pull renewed the lease"
    );
    assert_eq!(
        assignments(&second)[0]["lease"]["id"],
        assignments(&first)[0]["lease"]["id"],
        "same lease, renewed"
    );
    assert_eq!(
        assignments(&second)[0]["lease"]["epoch"],
        assignments(&first)[0]["lease"]["epoch"]
    );
}

async fn roles_and_tokens(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    let senior = queue.user("sam", Role::Senior).await;
    let admin = queue.user("root", Role::Admin).await;
    let submitted = queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;
    let item_path = format!("/v1/items/{}", submitted["id"].as_str().expect("id"));
    let cancel_path = format!("{item_path}/cancel");
    let pull = json!({"client_id": Uuid::now_v7(), "cursor": null});
    let push = json!({"client_id": Uuid::now_v7(), "mutations": []});
    let new_item = item("t-2", "transaction", 0.8, "medium");
    let new_user = json!({"name": "newbie", "role": "reviewer"});

    let endpoints: Vec<(Method, String, Option<Value>, &[&str])> = vec![
        (
            Method::GET,
            "/v1/me".into(),
            None,
            &["producer", "reviewer", "senior", "admin"],
        ),
        (
            Method::POST,
            "/v1/items".into(),
            Some(new_item),
            &["producer"],
        ),
        (Method::GET, item_path.clone(), None, &["producer", "admin"]),
        (
            Method::POST,
            "/v1/sync/pull".into(),
            Some(pull),
            &["reviewer", "senior"],
        ),
        (
            Method::POST,
            "/v1/sync/push".into(),
            Some(push),
            &["reviewer", "senior"],
        ),
        (Method::GET, "/v1/audit".into(), None, &["admin"]),
        (
            Method::GET,
            "/v1/export/feedback?format=sft".into(),
            None,
            &["admin"],
        ),
        (Method::POST, "/v1/users".into(), Some(new_user), &["admin"]),
        (Method::POST, cancel_path, None, &["producer"]),
    ];
    let tokens = [
        ("producer", &producer),
        ("reviewer", &reviewer),
        ("senior", &senior),
        ("admin", &admin),
    ];
    for (method, path, body, allowed) in &endpoints {
        let anonymous = queue
            .request(method.clone(), path, None, body.as_ref())
            .await;
        assert_eq!(anonymous.status, 401, "{method} {path} without a token");
        assert_eq!(anonymous.code(), "unauthorized");
        let unknown = queue
            .request(method.clone(), path, Some("cs_not_a_token"), body.as_ref())
            .await;
        assert_eq!(unknown.status, 401, "{method} {path} with an unknown token");
        for (role, token) in tokens {
            // Each user syncs under a client id of their own.
            let mut body = body.clone();
            if let Some(body) = body.as_mut().filter(|body| body.get("client_id").is_some()) {
                body["client_id"] = json!(Uuid::now_v7());
            }
            let reply = queue
                .request(method.clone(), path, Some(token), body.as_ref())
                .await;
            if allowed.contains(&role) {
                assert!(reply.status < 400, "{method} {path} as {role}: {reply:?}");
            } else {
                assert_eq!(reply.status, 403, "{method} {path} as {role}: {reply:?}");
                assert_eq!(reply.code(), "forbidden");
            }
        }
    }

    // A client id belongs to the user who first used it.
    let client = Uuid::now_v7();
    queue.pull(&reviewer, client, None).await;
    let stolen = queue
        .post(
            "/v1/sync/pull",
            &senior,
            &json!({"client_id": client, "cursor": null}),
        )
        .await;
    assert_eq!(stolen.status, 403);
    let stolen = queue
        .post(
            "/v1/sync/push",
            &senior,
            &json!({"client_id": client, "mutations": []}),
        )
        .await;
    assert_eq!(stolen.status, 403);

    // A reviewer cannot decide an item leased to someone else.
    let held_by_rita = assignments(&queue.pull(&reviewer, client, None).await);
    let sam_client = Uuid::now_v7();
    let mut forged = mutation(1, &held_by_rita[0], "approve");
    forged["id"] = json!(1);
    let reply = queue.push(&senior, sam_client, &[forged]).await;
    assert_eq!(reply["results"][0]["status"], "rejected");
    assert_eq!(reply["results"][0]["code"], "forbidden");
    assert_eq!(queue.count("SELECT COUNT(*) FROM decisions").await, 0);

    // Unknown routes and methods answer with JSON errors too.
    assert_eq!(
        queue.get("/v1/nothing-here", &admin).await.code(),
        "not_found"
    );
    let wrong_method = queue
        .request(Method::DELETE, "/v1/items", Some(&producer), None)
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.code(), "method_not_allowed");
}

async fn cancel_and_decided_elsewhere_reach_clients(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let rita = queue.user("rita", Role::Reviewer).await;
    let a = queue
        .submit(&producer, &item("t-a", "transaction", 0.8, "medium"))
        .await;
    let b = queue
        .submit(&producer, &item("t-b", "transaction", 0.8, "medium"))
        .await;

    // Rita has two devices; both see her two items.
    let laptop = Uuid::now_v7();
    let desktop = Uuid::now_v7();
    let laptop_pull = queue.pull(&rita, laptop, None).await;
    let desktop_pull = queue.pull(&rita, desktop, None).await;
    assert_eq!(assignments(&laptop_pull).len(), 2);
    assert_eq!(assignments(&desktop_pull).len(), 2);
    let on_laptop: HashMap<String, Value> = assignments(&laptop_pull)
        .into_iter()
        .map(|x| (x["item"]["id"].as_str().unwrap_or("").to_owned(), x))
        .collect();

    // The producer withdraws A; the laptop decides B.
    let cancelled = queue
        .post(
            &format!("/v1/items/{}/cancel", a["id"].as_str().expect("id")),
            &producer,
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["status"], "cancelled");
    let b_id = b["id"].as_str().expect("id").to_owned();
    let reply = queue
        .push(&rita, laptop, &[mutation(1, &on_laptop[&b_id], "approve")])
        .await;
    assert_eq!(reply["results"][0]["status"], "applied");

    // The desktop is told why each item left.
    let desktop_next = queue
        .pull(&rita, desktop, desktop_pull["cursor"].as_str())
        .await;
    assert!(assignments(&desktop_next).is_empty());
    let mut removed: Vec<(String, String)> = desktop_next["removed"]
        .as_array()
        .expect("removed")
        .iter()
        .map(|r| {
            (
                r["item_id"].as_str().unwrap_or("").to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    removed.sort();
    let mut expected = vec![
        (
            a["id"].as_str().unwrap_or("").to_owned(),
            "cancelled".to_owned(),
        ),
        (b_id.clone(), "decided_elsewhere".to_owned()),
    ];
    expected.sort();
    assert_eq!(removed, expected);
    // Repeated until confirmed: a pull that reuses the old cursor (lost response) hears it again.
    let retried = queue
        .pull(&rita, desktop, desktop_pull["cursor"].as_str())
        .await;
    assert_eq!(retried["removed"].as_array().map(Vec::len), Some(2));
    // Confirmed by using the new cursor: not repeated.
    let confirmed = queue.pull(&rita, desktop, retried["cursor"].as_str()).await;
    assert_eq!(confirmed["removed"], json!([]));
    // The laptop, which decided B itself, only hears about A.
    let laptop_next = queue
        .pull(&rita, laptop, laptop_pull["cursor"].as_str())
        .await;
    assert_eq!(
        laptop_next["removed"],
        json!([{"item_id": a["id"], "reason": "cancelled"}])
    );

    // A decision still in flight for the cancelled item is a `cancelled` conflict.
    let a_id = a["id"].as_str().expect("id").to_owned();
    let reply = queue
        .push(&rita, laptop, &[mutation(2, &on_laptop[&a_id], "approve")])
        .await;
    assert_eq!(reply["results"][0]["status"], "conflict");
    assert_eq!(reply["results"][0]["code"], "cancelled");

    // Cancelling is for pending items only.
    let again = queue
        .post(&format!("/v1/items/{b_id}/cancel"), &producer, &json!({}))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "not_pending");
    let bad_cursor = queue
        .post(
            "/v1/sync/pull",
            &rita,
            &json!({"client_id": desktop, "cursor": "g999"}),
        )
        .await;
    assert_eq!(bad_cursor.status, 422);
    assert_eq!(bad_cursor.code(), "invalid_cursor");
}

async fn audit_chain_detects_any_altered_row(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    for n in 0..4 {
        queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.8, "medium"),
            )
            .await;
    }
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);
    let decisions: Vec<Value> = held
        .iter()
        .enumerate()
        .map(|(n, a)| {
            mutation(
                n as u64 + 1,
                a,
                if n % 2 == 0 { "approve" } else { "reject" },
            )
        })
        .collect();
    queue.push(&reviewer, client, &decisions).await;

    let state = queue.state();
    let intact = countersign_queue::audit::verify(&state.db)
        .await
        .expect("verify runs");
    let total = intact.expect("an untouched chain verifies");
    assert!(
        total >= 16,
        "submit, route, assign and decide entries: {total}"
    );

    // Change one column of one row at a time; each must be caught, naming that row.
    let columns = [
        "actor",
        "action",
        "at",
        "data",
        "item_id",
        "prev_hash",
        "hash",
    ];
    for seq in 1..=total {
        let column = columns[(seq as usize) % columns.len()];
        let original = queue
            .count(&format!("SELECT COUNT(*) FROM audit_log WHERE seq = {seq}"))
            .await;
        assert_eq!(original, 1);
        queue.execute(&format!("CREATE TABLE IF NOT EXISTS audit_backup AS SELECT * FROM audit_log WHERE seq = {seq}")).await;
        let tamper = match column {
            "data" => {
                format!("UPDATE audit_log SET data = '{{\"forged\":true}}' WHERE seq = {seq}")
            }
            "item_id" => format!("UPDATE audit_log SET item_id = 'x' WHERE seq = {seq}"),
            "prev_hash" | "hash" => format!(
                "UPDATE audit_log SET {column} = '{}' WHERE seq = {seq}",
                "f".repeat(64)
            ),
            _ => format!("UPDATE audit_log SET {column} = {column} || 'x' WHERE seq = {seq}"),
        };
        queue.execute(&tamper).await;
        let broken = countersign_queue::audit::verify(&state.db)
            .await
            .expect("verify runs");
        let message = broken
            .expect_err(&format!("altered {column} of entry {seq} went unnoticed"))
            .to_string();
        assert!(
            message.contains(&format!("entry {seq}"))
                || message.contains(&format!("entry {}", seq + 1)),
            "{message}"
        );
        queue
            .execute(&format!("DELETE FROM audit_log WHERE seq = {seq}"))
            .await;
        queue
            .execute("INSERT INTO audit_log SELECT * FROM audit_backup")
            .await;
        queue.execute("DROP TABLE audit_backup").await;
    }
    assert!(
        countersign_queue::audit::verify(&state.db)
            .await
            .expect("verify")
            .is_ok()
    );

    // Deleting the newest entry is caught by the chain head.
    queue
        .execute(&format!("DELETE FROM audit_log WHERE seq = {total}"))
        .await;
    assert!(
        countersign_queue::audit::verify(&state.db)
            .await
            .expect("verify")
            .is_err()
    );
}
