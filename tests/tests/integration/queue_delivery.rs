//! What the queue sends out: signed webhooks (retried, across restarts), server-sent events,
//! feedback exports; and a graceful shutdown with streams open.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use countersign_domain::Role;
use countersign_queue::{Clock as _, SystemClock};
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

on_both_backends!(
    webhooks_are_signed_retried_and_survive_restarts,
    events_announce_new_work,
    feedback_export_holds_human_decisions_only,
);

const KEY: [u8; 24] = *b"countersign-test-key-123";

#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    id: String,
    timestamp: String,
    signature: String,
    pub(crate) body: String,
    answered: u16,
}

#[derive(Default)]
pub(crate) struct Receiver {
    deliveries: Mutex<Vec<Delivery>>,
    /// While true every request gets 500.
    failing: Mutex<bool>,
    /// Requests still to fail before `failing` is consulted.
    fail_next: Mutex<u32>,
}

async fn hook(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let fail = {
        let mut fail_next = receiver.fail_next.lock().expect("lock");
        if *fail_next > 0 {
            *fail_next -= 1;
            true
        } else {
            *receiver.failing.lock().expect("lock")
        }
    };
    let answered = if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    receiver.deliveries.lock().expect("lock").push(Delivery {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered: answered.as_u16(),
    });
    answered
}

pub(crate) async fn start_receiver() -> (String, Arc<Receiver>) {
    let receiver = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

/// Verifies a delivery the way a receiver following Standard Webhooks would.
fn signature_is_valid(delivery: &Delivery) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(&KEY).expect("key");
    mac.update(format!("{}.{}.{}", delivery.id, delivery.timestamp, delivery.body).as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    delivery
        .signature
        .split(' ')
        .any(|candidate| candidate == expected)
}

pub(crate) async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn delivered(receiver: &Receiver) -> Vec<Delivery> {
    receiver.deliveries.lock().expect("lock").clone()
}

async fn webhooks_are_signed_retried_and_survive_restarts(backend: Backend) {
    let (url, receiver) = start_receiver().await;
    let db = TestDb::new(backend);
    let options = QueueOptions {
        webhook_secret: Some(format!("whsec_{}", BASE64.encode(KEY))),
        ..Default::default()
    };
    let mut queue = Queue::start(&db, options).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;

    // An auto-approved item is final at once; the receiver fails the first attempt.
    *receiver.fail_next.lock().expect("lock") = 1;
    let mut auto = item("auto-1", "transaction", 0.99, "low");
    auto["callback_url"] = json!(url);
    let auto = queue.submit(&producer, &auto).await;
    let started = Instant::now();
    wait_for("a successful delivery", || {
        delivered(&receiver).iter().any(|d| d.answered == 204)
    })
    .await;
    let attempts = delivered(&receiver);
    assert_eq!(attempts.len(), 2, "one failure, one retry: {attempts:?}");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "first retry within 10 s"
    );
    assert_eq!(
        attempts[0].id, attempts[1].id,
        "the same webhook-id on every attempt"
    );
    assert!(attempts[0].id.starts_with("msg_"));
    for attempt in &attempts {
        assert!(
            signature_is_valid(attempt),
            "signature verifies: {attempt:?}"
        );
        let timestamp: i64 = attempt.timestamp.parse().expect("unix seconds");
        assert!((SystemClock.now().timestamp() - timestamp).abs() < 60);
    }
    let body: Value = serde_json::from_str(&attempts[1].body).expect("JSON body");
    assert_eq!(body["type"], "item.decided");
    assert_eq!(body["item"]["id"], auto["id"]);
    assert_eq!(body["item"]["status"], "auto_approved");
    assert_eq!(body["item"]["outcome"], "approved");
    let mut forged = attempts[1].clone();
    forged.body = forged.body.replace("approved", "rejected");
    assert!(
        !signature_is_valid(&forged),
        "a changed body no longer verifies"
    );

    // A human decision; the receiver is down, the service restarts, delivery still happens.
    *receiver.failing.lock().expect("lock") = true;
    let mut reviewed = item("rev-1", "content_draft", 0.8, "medium");
    reviewed["callback_url"] = json!(url);
    let reviewed = queue.submit(&producer, &reviewed).await;
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);
    let decision = mutation(1, &held[0], "approve_with_edits");
    let reply = queue
        .push(&reviewer, client, std::slice::from_ref(&decision))
        .await;
    assert_eq!(reply["results"][0]["status"], "applied");
    wait_for("a failed attempt", || delivered(&receiver).len() >= 3).await;
    queue.stop().await;
    *receiver.failing.lock().expect("lock") = false;
    queue.restart().await;
    wait_for("delivery after the restart", || {
        delivered(&receiver)
            .iter()
            .filter(|d| d.answered == 204)
            .count()
            == 2
    })
    .await;
    let attempts: Vec<Delivery> = delivered(&receiver).into_iter().skip(2).collect();
    assert!(attempts.len() >= 2);
    assert!(
        attempts
            .iter()
            .all(|d| d.id == attempts[0].id && signature_is_valid(d))
    );
    let body: Value = serde_json::from_str(&attempts.last().expect("attempt").body).expect("JSON");
    assert_eq!(body["item"]["id"], reviewed["id"]);
    assert_eq!(body["item"]["outcome"], "approved_with_edits");
    assert_eq!(
        body["item"]["decisions"][0]["correction"],
        decision["correction"]
    );
    assert_eq!(body["item"]["decisions"][0]["by"], "rita");
    // The webhook's item carries the correction's patch against the AI's output too (a text is
    // replaced whole).
    assert_eq!(
        body["item"]["decisions"][0]["patch"],
        json!([{"op": "replace", "path": "", "value": decision["correction"]}])
    );

    let admin = queue.user("root", Role::Admin).await;
    let audit = queue
        .get(
            &format!("/v1/audit?item_id={}", reviewed["id"].as_str().expect("id")),
            &admin,
        )
        .await;
    let actions: Vec<&str> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert!(actions.contains(&"webhook_failed"), "{actions:?}");
    assert!(actions.contains(&"webhook_delivered"), "{actions:?}");
    // Delivered once it succeeded: no more attempts afterwards.
    let count = delivered(&receiver).len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(delivered(&receiver).len(), count);
}

/// Reads server-sent events until `wanted` events named `name` arrived.
async fn read_events(response: reqwest::Response, name: &'static str, wanted: usize) -> usize {
    let line = format!("event: {name}");
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        text.push_str(&String::from_utf8_lossy(&chunk));
        if text.matches(&line).count() >= wanted {
            break;
        }
    }
    text.matches(&line).count()
}

async fn events_announce_new_work(backend: Backend) {
    let db = TestDb::new(backend);
    let mut queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    let senior = queue.user("sam", Role::Senior).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);

    let open = |token: &str| {
        queue
            .http()
            .get(format!("{}/v1/events", queue.url))
            .bearer_auth(token)
            .send()
    };
    let senior_stream = open(&senior).await.expect("events stream");
    assert_eq!(senior_stream.status(), 200);
    let senior_events = tokio::spawn(read_events(senior_stream, "assignments", 2));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The reviewer escalates: seniors are told to pull.
    queue
        .push(&reviewer, client, &[mutation(1, &held[0], "escalate")])
        .await;
    let seen = tokio::time::timeout(Duration::from_secs(10), senior_events)
        .await
        .expect("an event within 10 s")
        .expect("reader");
    assert_eq!(seen, 2, "one on connect, one for the escalation");

    // A producer hears `items` when a decision on one of its items lands (and nothing named
    // `assignments`); an admin has nothing to listen to.
    let producer_stream = open(&producer).await.expect("events stream");
    assert_eq!(producer_stream.status(), 200);
    let producer_events = tokio::spawn(read_events(producer_stream, "items", 2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let escalated = assignments(&queue.pull(&senior, Uuid::now_v7(), None).await);
    queue
        .push(
            &senior,
            Uuid::now_v7(),
            &[mutation(1, &escalated[0], "approve")],
        )
        .await;
    let heard = tokio::time::timeout(Duration::from_secs(10), producer_events)
        .await
        .expect("an event within 10 s")
        .expect("reader");
    assert_eq!(heard, 2, "one on connect, one for the decision");
    let admin = queue.user("root", Role::Admin).await;
    assert_eq!(open(&admin).await.expect("reply").status(), 403);

    // Shutdown closes open streams and finishes within the grace period.
    let reviewer_stream = open(&reviewer).await.expect("events stream");
    let reader = tokio::spawn(read_events(reviewer_stream, "assignments", usize::MAX));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    queue.stop().await;
    assert!(started.elapsed() < Duration::from_secs(10));
    tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the stream ends on shutdown")
        .expect("reader");
}

async fn feedback_export_holds_human_decisions_only(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    let admin = queue.user("root", Role::Admin).await;
    queue
        .submit(&producer, &item("auto", "transaction", 0.99, "low"))
        .await;
    for (n, kind) in ["content_draft", "transaction", "content_draft"]
        .iter()
        .enumerate()
    {
        queue
            .submit(&producer, &item(&format!("r-{n}"), kind, 0.8, "medium"))
            .await;
    }
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);
    let by_kind = |kind: &str| {
        held.iter()
            .filter(|a| a["item"]["kind"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let drafts = by_kind("content_draft");
    let transactions = by_kind("transaction");
    let edited = mutation(1, &drafts[0], "approve_with_edits");
    queue
        .push(
            &reviewer,
            client,
            &[
                edited.clone(),
                mutation(2, &drafts[1], "reject"),
                mutation(3, &transactions[0], "approve"),
            ],
        )
        .await;

    let sft = queue.feedback(&admin, "sft").await;
    assert_eq!(
        sft.len(),
        2,
        "the approval and the correction, not the auto-approval or reject"
    );
    for line in &sft {
        assert_eq!(line["messages"][0]["role"], "user");
        assert_eq!(line["messages"][1]["role"], "assistant");
        assert!(line["metadata"]["item_id"].is_string());
    }
    let corrected = sft
        .iter()
        .find(|line| line["metadata"]["outcome"] == "approved_with_edits")
        .expect("corrected item");
    assert_eq!(corrected["messages"][1]["content"], edited["correction"]);

    let preference = queue.feedback(&admin, "preference").await;
    assert_eq!(preference.len(), 1);
    assert_eq!(preference[0]["chosen"], edited["correction"]);
    assert_eq!(preference[0]["rejected"], drafts[0]["item"]["ai"]["output"]);
    assert!(preference[0]["prompt"].is_string());

    let bad = queue.get("/v1/export/feedback?format=csv", &admin).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.code(), "invalid_format");
}
