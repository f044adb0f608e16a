//! Submitting items: idempotent by external id, and refused whole when invalid.

use countersign_domain::Role;
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(idempotent_submission, validation_failures_store_nothing,);

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
