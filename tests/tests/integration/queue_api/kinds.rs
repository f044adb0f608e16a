//! Kinds as data (docs/protocol.md, "Kinds"): registering a kind, submissions checked against its
//! schemas (422 naming the path, nothing stored), reject reasons and corrections checked at push,
//! and re-registration refused while queued items would break.

use countersign_domain::Role;
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, Reply, TestDb, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

on_both_backends!(
    register_then_submit_valid_and_invalid_items,
    reasons_and_corrections_outside_the_kind_are_rejected_at_push,
    re_registration_is_refused_while_queued_items_would_break,
    a_bad_spec_is_refused_and_changes_nothing,
    a_first_registration_racing_submissions_never_leaves_a_misfit_queued,
);

/// A kind for the testkit's fixture items: a payload with an amount and currency, the fraud
/// model's verdict as output.
fn transaction_spec() -> Value {
    json!({
        "label": "Transaction",
        "plural": "Transactions",
        "payload_schema": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "number", "exclusiveMinimum": 0},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}
            }
        },
        "output_schema": {
            "type": "object",
            "required": ["verdict"],
            "properties": {"verdict": {"enum": ["allow", "block", "step_up"]}}
        },
        "hints": {"headline": [{"pointer": "/payload/amount", "label": "Amount", "format": "money",
            "currency_pointer": "/payload/currency"}]},
        "reason_codes": [
            {"code": "false_positive", "label": "False positive"},
            {"code": "other", "label": "Other"}
        ],
        "defaults": {"due_in": "4h"}
    })
}

async fn put_kind(queue: &Queue, admin: &str, kind: &str, spec: &Value) -> Reply {
    let path = format!("/v1/kinds/{kind}");
    queue
        .request(Method::PUT, &path, Some(admin), Some(spec))
        .await
}

async fn register_then_submit_valid_and_invalid_items(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let admin = queue.user("ada", Role::Admin).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;

    let first = put_kind(&queue, &admin, "transaction", &transaction_spec()).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_eq!(first.body["kind"], "transaction");
    assert_eq!(first.body["revision"], 1);
    assert_eq!(first.body["reason_codes"][0]["code"], "false_positive");
    let again = put_kind(&queue, &admin, "transaction", &transaction_spec()).await;
    assert_eq!((again.status, &again.body["revision"]), (200, &json!(2)));
    // Any signed-in user reads them: reviewers' clients sync them.
    let listed = queue.get("/v1/kinds", &reviewer).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["kinds"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed.body["kinds"][0]["revision"], 2);
    assert_eq!(
        listed.body["kinds"][0]["payload_schema"],
        transaction_spec()["payload_schema"]
    );
    let one = queue.get("/v1/kinds/transaction", &producer).await;
    assert_eq!((one.status, &one.body["revision"]), (200, &json!(2)));
    let missing = queue.get("/v1/kinds/support_reply", &producer).await;
    assert_eq!((missing.status, missing.code()), (404, "not_found"));
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'kind_registered'")
            .await,
        2
    );

    // A valid submission is stored, with the kind's default due date (the built-in policy gives none).
    let valid = queue
        .post(
            "/v1/items",
            &producer,
            &item("t-1", "transaction", 0.7, "medium"),
        )
        .await;
    assert_eq!(valid.status, 201, "{valid:?}");
    let created: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(valid.body["created_at"].clone()).expect("created_at");
    let due: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(valid.body["due_at"].clone()).expect("due_at from the kind");
    assert_eq!(due - created, chrono::Duration::hours(4));

    // Invalid ones: 422 with the failing path, nothing stored.
    let cases = [
        ("/payload/currency", "/payload/currency", json!("euro")),
        ("/payload/amount", "/payload/amount", json!(-5)),
        ("/payload", "/payload/currency", Value::Null),
        ("/ai/output/verdict", "/ai/output/verdict", json!("shrug")),
    ];
    for (n, (path, field, value)) in cases.into_iter().enumerate() {
        let mut body = item(&format!("bad-{n}"), "transaction", 0.7, "medium");
        let (parent, key) = field.rsplit_once('/').expect("a pointer");
        let target = body.pointer_mut(parent).expect("parent");
        if value.is_null() {
            target.as_object_mut().expect("object").remove(key);
        } else {
            target[key] = value;
        }
        let refused = queue.post("/v1/items", &producer, &body).await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "schema_violation"),
            "{refused:?}"
        );
        assert_eq!(refused.body["error"]["path"], path, "{refused:?}");
        let message = refused.body["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(path), "{message}");
    }
    assert_eq!(queue.count("SELECT COUNT(*) FROM items").await, 1);

    // An unregistered kind is accepted as before, whatever its shape.
    let unregistered = queue
        .post(
            "/v1/items",
            &producer,
            &item("d-1", "content_draft", 0.7, "medium"),
        )
        .await;
    assert_eq!(unregistered.status, 201);
    assert!(unregistered.body["due_at"].is_null());
}

async fn reasons_and_corrections_outside_the_kind_are_rejected_at_push(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let admin = queue.user("ada", Role::Admin).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    assert_eq!(
        put_kind(&queue, &admin, "transaction", &transaction_spec())
            .await
            .status,
        201
    );
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let client = Uuid::now_v7();
    let pulled = assignments(&queue.pull(&reviewer, client, None).await);
    assert_eq!(pulled.len(), 1);

    // The fixture's reject carries `suspected_fraud`, which this kind does not list.
    let unlisted = mutation(1, &pulled[0], "reject");
    let mut bad_correction = mutation(2, &pulled[0], "approve_with_edits");
    bad_correction["correction"] = json!({"verdict": "maybe"});
    let mut listed = mutation(3, &pulled[0], "reject");
    listed["reason_code"] = json!("false_positive");
    let pushed = queue
        .push(&reviewer, client, &[unlisted, bad_correction, listed])
        .await;
    let results: Vec<(&str, &str)> = pushed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap_or(""),
                r["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("rejected", "unknown_reason_code"),
            ("rejected", "invalid_correction"),
            ("applied", "")
        ]
    );
    let message = pushed["results"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("false_positive, other"), "{message}");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM decisions WHERE reason_code = 'false_positive'")
            .await,
        1
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM decisions").await, 1);
}

async fn re_registration_is_refused_while_queued_items_would_break(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let admin = queue.user("ada", Role::Admin).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    assert_eq!(
        put_kind(&queue, &admin, "transaction", &transaction_spec())
            .await
            .status,
        201
    );
    let mut ids = Vec::new();
    for n in 0..3 {
        let submitted = queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.7, "medium"),
            )
            .await;
        ids.push(submitted["id"].as_str().expect("id").to_owned());
    }
    // One of them is decided: only queued (undecided) items count.
    let client = Uuid::now_v7();
    let pulled = assignments(&queue.pull(&reviewer, client, None).await);
    queue
        .push(&reviewer, client, &[mutation(1, &pulled[0], "approve")])
        .await;

    // The fixture items' currency is EUR: a schema that wants USD would break the two queued ones.
    let mut stricter = transaction_spec();
    stricter["payload_schema"]["properties"]["currency"] = json!({"const": "USD"});
    let refused = put_kind(&queue, &admin, "transaction", &stricter).await;
    assert_eq!(
        (refused.status, refused.code()),
        (409, "kind_breaks_queued_items"),
        "{refused:?}"
    );
    let message = refused.body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("2 queued"), "{message}");
    assert!(message.contains("/payload/currency"), "{message}");
    let kept = queue.get("/v1/kinds/transaction", &admin).await;
    assert_eq!(kept.body["revision"], 1, "nothing changed");
    assert_eq!(
        kept.body["payload_schema"],
        transaction_spec()["payload_schema"]
    );

    // A change the queued items satisfy is allowed.
    let mut compatible = transaction_spec();
    compatible["reason_codes"][0]["label"] = json!("False positive: legitimate activity");
    compatible["payload_schema"]["properties"]["amount"]["maximum"] = json!(1_000_000);
    assert_eq!(
        put_kind(&queue, &admin, "transaction", &compatible)
            .await
            .status,
        200
    );
    // Once the items that broke it are no longer queued, the stricter schema is allowed too.
    for id in &ids {
        queue
            .post(&format!("/v1/items/{id}/cancel"), &producer, &json!({}))
            .await;
    }
    let accepted = put_kind(&queue, &admin, "transaction", &stricter).await;
    assert_eq!(
        (accepted.status, &accepted.body["revision"]),
        (200, &json!(3))
    );
    // New submissions now meet the new revision.
    let old_shape = queue
        .post(
            "/v1/items",
            &producer,
            &item("t-9", "transaction", 0.7, "medium"),
        )
        .await;
    assert_eq!(old_shape.code(), "schema_violation");
}

async fn a_bad_spec_is_refused_and_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let admin = queue.user("ada", Role::Admin).await;
    let with = |pointer: &str, value: Value| {
        let mut spec = transaction_spec();
        *spec.pointer_mut(pointer).expect("field") = value;
        spec
    };
    let cases = [
        (
            "transaction",
            with("/payload_schema/type", json!("nonsense")),
            "payload_schema",
        ),
        (
            "transaction",
            with(
                "/output_schema",
                json!({"$ref": "https://example.com/s.json"}),
            ),
            "output_schema",
        ),
        (
            "transaction",
            with("/hints/headline/0/pointer", json!("payload/amount")),
            "JSON Pointer",
        ),
        (
            "transaction",
            with("/reason_codes/1/code", json!("false_positive")),
            "listed twice",
        ),
        (
            "transaction",
            with("/reason_codes/0/code", json!("")),
            "non-empty",
        ),
        (
            "transaction",
            with("/defaults/due_in", json!("tomorrow")),
            "due_in",
        ),
        ("no spaces", transaction_spec(), "kind name"),
    ];
    for (kind, spec, expected) in cases {
        let path = format!("/v1/kinds/{}", kind.replace(' ', "%20"));
        let refused = queue
            .request(Method::PUT, &path, Some(&admin), Some(&spec))
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_kind"),
            "{refused:?}"
        );
        let message = refused.body["error"]["message"].as_str().unwrap_or("");
        assert!(
            message.contains(expected),
            "{expected:?} not in {message:?}"
        );
    }
    // A body of the wrong shape is the usual 422 invalid_request.
    let mut unknown_field = transaction_spec();
    unknown_field["colour"] = json!("red");
    let refused = put_kind(&queue, &admin, "transaction", &unknown_field).await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_request"));
    assert_eq!(queue.count("SELECT COUNT(*) FROM kinds").await, 0);
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'kind_registered'")
            .await,
        0
    );
}

/// Submissions of a kind not yet registered race its first registration with a schema they break:
/// whichever wins, a registered kind never has a queued item that does not satisfy it.
async fn a_first_registration_racing_submissions_never_leaves_a_misfit_queued(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let admin = queue.user("ada", Role::Admin).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let mut usd_only = transaction_spec();
    usd_only["payload_schema"]["properties"]["currency"] = json!({"const": "USD"});
    for round in 0..5 {
        let kind = format!("race{round}");
        let submissions = (0..8).map(|n| {
            let body = item(&format!("{kind}-{n}"), &kind, 0.7, "medium");
            let (queue, producer) = (&queue, &producer);
            async move { queue.post("/v1/items", producer, &body).await.status }
        });
        let (registered, statuses) = tokio::join!(
            put_kind(&queue, &admin, &kind, &usd_only),
            futures::future::join_all(submissions)
        );
        let stored = queue
            .count(&format!(
                "SELECT COUNT(*) FROM items WHERE kind = '{kind}' AND status = 'pending'"
            ))
            .await;
        match registered.status {
            // Registered: every EUR item stored is one the registration saw, so none can be.
            201 => assert_eq!(stored, 0, "round {round}: {statuses:?}"),
            409 => assert!(stored > 0, "round {round}: refused for queued items"),
            other => panic!("round {round}: {other} {registered:?}"),
        }
        for status in statuses {
            assert!(status == 201 || status == 422, "round {round}: {status}");
        }
    }
}
