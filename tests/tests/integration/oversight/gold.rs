//! Gold items (issue 11, part 2; docs/protocol.md "Gold items") on SQLite and PostgreSQL: only an
//! admin adds them; they are served at the team's `gold_rate` by the documented draw, look like real
//! work in what the reviewer's client receives, are scored, and never reach the producer's webhook,
//! events, item reads or the feedback export; low accuracy tells the team's seniors and keeps
//! high-risk items away from the reviewer.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use countersign_client::notify::{NoticeTarget, Recording};
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::{EventName, GoldAlert, Role};
use countersign_queue::Policy;
use countersign_queue::gold::draws_gold;
use countersign_testkit::fixtures::{assert_all_applied, assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::queue_delivery::{delivered, start_receiver, wait_for};
use crate::teams::{member, start_with_teams};

on_both_backends!(
    gold_from_anyone_but_an_admin_is_refused_and_nothing_is_stored,
    gold_is_served_at_the_rate_scored_and_never_reaches_the_producer,
    low_accuracy_tells_the_seniors_and_keeps_high_risk_items_away,
    a_gold_copy_looks_like_real_work_to_its_reviewer,
    a_seniors_desktop_shows_the_gold_alert,
);

/// How long an event that should come may take, and how long one that should not is waited for.
/// Neither is a measured speed.
const ARRIVES_WITHIN: Duration = Duration::from_secs(10);
const ABSENT_FOR: Duration = Duration::from_secs(1);

/// Every transaction to team fraud for review, whatever its risk, with `gold_rate` and a minimum
/// accuracy of 0.9 for the team.
fn policy(gold_rate: f64) -> Policy {
    Policy::parse(&policy_text(gold_rate), "test policy").expect("a valid policy")
}

fn policy_text(gold_rate: f64) -> String {
    format!(
        r#"
            [[rules]]
            name = "fraud-review"
            kinds = ["transaction"]
            route = "review"
            team = "fraud"
            due_in = "4h"

            [[rules]]
            name = "confident-auto-approval"
            confidence_at_least = 0.95
            route = "auto_approved"

            [teams.fraud]
            gold_rate = {gold_rate}
            min_gold_accuracy = 0.9
            "#
    )
}

async fn start(db: &TestDb, gold_rate: f64) -> Queue {
    start_with_teams(
        db,
        QueueOptions {
            policy: policy(gold_rate),
            ..Default::default()
        },
    )
    .await
}

/// A gold transaction: the fixture item with a known answer.
fn gold(external_id: &str, expected: &str) -> Value {
    let mut gold = item(external_id, "transaction", 0.7, "medium");
    gold["gold"] = json!({"expected": expected});
    gold
}

/// Pulls and approves everything `token` holds until nothing is left; returns the ids approved.
async fn approve_everything(queue: &Queue, token: &str) -> Vec<String> {
    let client = Uuid::now_v7();
    let mut next_id = 0;
    let mut approved = Vec::new();
    loop {
        let held = assignments(&queue.pull(token, client, None).await);
        if held.is_empty() {
            return approved;
        }
        let mutations: Vec<Value> = held
            .iter()
            .map(|assignment| {
                next_id += 1;
                mutation(next_id, assignment, "approve")
            })
            .collect();
        let pushed = queue.push(token, client, &mutations).await;
        let results = pushed["results"].as_array().expect("results");
        assert_eq!(results.len(), held.len(), "{pushed}");
        for (result, assignment) in results.iter().zip(&held) {
            assert_eq!(result["status"], "applied", "{result}");
            approved.push(assignment["item"]["id"].as_str().expect("id").to_owned());
        }
    }
}

async fn gold_copy_ids(queue: &Queue) -> HashSet<String> {
    let rows = sqlx::query("SELECT id FROM items WHERE gold_id IS NOT NULL")
        .fetch_all(&queue.state().db.pool)
        .await
        .expect("gold copies");
    rows.iter()
        .map(|row| sqlx::Row::try_get::<String, _>(row, 0).expect("an id"))
        .collect()
}

async fn gold_from_anyone_but_an_admin_is_refused_and_nothing_is_stored(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start(&db, 0.5).await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;

    let refused = queue
        .post("/v1/items", &producer, &gold("g-1", "approve"))
        .await;
    assert_eq!((refused.status, refused.code()), (403, "gold_needs_admin"));
    let refused = queue
        .post("/v1/items", &reviewer, &gold("g-1", "approve"))
        .await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    // An admin submits gold only.
    let refused = queue
        .post(
            "/v1/items",
            &admin,
            &item("real", "transaction", 0.7, "medium"),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    // No producer of the kind to appear as yet, then one that is no producer.
    let refused = queue
        .post("/v1/items", &admin, &gold("g-1", "approve"))
        .await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_gold"));
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("as_producer")
    );
    let mut named = gold("g-1", "approve");
    named["gold"]["as_producer"] = json!("ana");
    let refused = queue.post("/v1/items", &admin, &named).await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_gold"));
    // Auto-approved, it would never reach a person; of no team, no gold rate would serve it.
    for confidence in [0.99, 0.7] {
        let mut other = gold("g-1", "approve");
        other["kind"] = json!("other");
        other["ai"]["confidence"] = json!(confidence);
        other["gold"]["as_producer"] = json!("bot");
        let refused = queue.post("/v1/items", &admin, &other).await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_gold"),
            "{confidence}"
        );
    }
    let mut unknown_key = gold("g-1", "approve");
    unknown_key["gold"]["expcted"] = json!("reject");
    let refused = queue.post("/v1/items", &admin, &unknown_key).await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_request"));
    for table in ["items", "gold_items"] {
        assert_eq!(
            queue.count(&format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }

    // Once the producer has submitted work of the kind, the admin's gold item is stored, once.
    queue
        .submit(&producer, &item("txn-10001", "transaction", 0.7, "medium"))
        .await;
    let added = queue
        .post("/v1/items", &admin, &gold("g-1", "reject"))
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(added.body["producer"], "bot");
    assert_eq!(added.body["team"], "fraud");
    assert!(added.body.get("gold").is_none(), "{}", added.body);
    let again = queue
        .post("/v1/items", &admin, &gold("g-1", "reject"))
        .await;
    assert_eq!((again.status, &again.body["id"]), (200, &added.body["id"]));
    assert_eq!(queue.count("SELECT COUNT(*) FROM gold_items").await, 1);
    assert_eq!(queue.count("SELECT COUNT(*) FROM items").await, 1);
    // The stats are for seniors and admins.
    assert_eq!(queue.get("/v1/stats/gold", &reviewer).await.status, 403);
    assert_eq!(queue.get("/v1/stats/gold", &producer).await.status, 403);
    assert_eq!(queue.get("/v1/stats/gold", &admin).await.status, 200);
}

async fn gold_is_served_at_the_rate_scored_and_never_reaches_the_producer(backend: Backend) {
    let (url, receiver) = start_receiver().await;
    let db = TestDb::new(backend);
    let rate = 0.1;
    let queue = start(&db, rate).await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let real_count = 200;
    for n in 0..real_count {
        let mut real = item(&format!("txn-{}", 10_000 + n), "transaction", 0.7, "medium");
        real["callback_url"] = json!(url);
        queue.submit(&producer, &real).await;
    }
    // More gold items than the draws can call for; half of them should be rejected.
    for n in 0..60 {
        let expected = if n % 2 == 0 { "approve" } else { "reject" };
        let added = queue
            .post("/v1/items", &admin, &gold(&format!("gold-{n}"), expected))
            .await;
        assert_eq!(added.status, 201, "{added:?}");
    }

    let approved = approve_everything(&queue, &ana).await;
    let copies = gold_copy_ids(&queue).await;
    // The documented draw: the n-th real grant is followed by gold when SHA-256 of (user, team, n)
    // reads below the rate.
    let drawn = (1..=real_count)
        .filter(|draw| draws_gold("ana", "fraud", *draw, rate))
        .count();
    assert_eq!(copies.len(), drawn);
    // Binomial(200, 0.1): 99.9% of draws give 7 to 34.
    assert!((7..=34).contains(&drawn), "{drawn}");
    assert_eq!(approved.len(), real_count as usize + drawn);
    assert!(copies.iter().all(|id| approved.contains(id)));
    // Each served to ana at most once: distinct gold items.
    assert_eq!(
        queue
            .count("SELECT COUNT(DISTINCT gold_id) FROM items WHERE gold_id IS NOT NULL")
            .await,
        drawn as i64
    );

    // Scored: every copy once, half expected a rejection (the oldest first: even ones approve).
    assert_eq!(
        queue.count("SELECT COUNT(*) FROM gold_answers").await,
        drawn as i64
    );
    let report = queue.get("/v1/stats/gold", &admin).await;
    assert_eq!(report.status, 200);
    let row = &report.body["rows"][0];
    assert_eq!(
        (row["reviewer"].as_str(), row["kind"].as_str()),
        (Some("ana"), Some("transaction"))
    );
    let (correct, incorrect) = (row["correct"].as_u64(), row["incorrect"].as_u64());
    assert_eq!(correct, Some(drawn.div_ceil(2) as u64));
    assert_eq!(incorrect, Some((drawn / 2) as u64));
    let trials = row["accuracy"]["trials"].as_u64();
    assert_eq!(trials, Some(drawn as u64));

    // The producer's webhook hears every real decision and nothing of the gold copies.
    wait_for("every real decision delivered", || {
        delivered(&receiver).len() >= real_count as usize
    })
    .await;
    tokio::time::sleep(ABSENT_FOR).await;
    let deliveries = delivered(&receiver);
    assert_eq!(deliveries.len(), real_count as usize);
    for delivery in &deliveries {
        let body: Value = serde_json::from_str(&delivery.body).expect("JSON");
        let id = body["item"]["id"].as_str().expect("an item id");
        assert!(!copies.contains(id), "a gold copy was delivered: {id}");
    }
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM webhook_outbox o JOIN items i ON i.id = o.item_id WHERE i.gold_id IS NOT NULL")
            .await,
        0
    );
    // Nor the feedback export, nor the producer's reads.
    let exported = queue.feedback(&admin, "sft").await;
    assert_eq!(exported.len(), real_count as usize);
    let exported_text = serde_json::to_string(&exported).expect("JSON");
    for id in &copies {
        assert!(!exported_text.contains(id.as_str()), "{id} exported");
        let read = queue.get(&format!("/v1/items/{id}"), &producer).await;
        assert_eq!(read.status, 404, "the producer reads gold copy {id}");
    }

    // Nor the producer's events: a gold decision wakes nothing, a real one does.
    let remote = QueueClient::new(&queue.url, Token::new(producer.clone())).expect("client");
    let mut stream = remote.events().await.expect("the producer's stream");
    let first = tokio::time::timeout(ARRIVES_WITHIN, stream.next())
        .await
        .expect("the connect event");
    assert!(matches!(first, Ok(Some(_))), "{first:?}");
    queue
        .post("/v1/items", &admin, &gold("gold-last", "approve"))
        .await;
    let mut held = Vec::new();
    for n in 0..40 {
        queue
            .submit(
                &producer,
                &item(&format!("txn-2{n:04}"), "transaction", 0.7, "medium"),
            )
            .await;
    }
    let client = Uuid::now_v7();
    let pulled = assignments(&queue.pull(&ana, client, None).await);
    let copies_now = gold_copy_ids(&queue).await;
    held.extend(pulled);
    let gold_held: Vec<&Value> = held
        .iter()
        .filter(|held| copies_now.contains(held["item"]["id"].as_str().unwrap_or("")))
        .collect();
    let real_held: Vec<&Value> = held
        .iter()
        .filter(|held| !copies_now.contains(held["item"]["id"].as_str().unwrap_or("")))
        .collect();
    let mut next_id = 1;
    if let Some(copy) = gold_held.first() {
        queue
            .push(&ana, client, &[mutation(next_id, copy, "reject")])
            .await;
        next_id += 1;
        let heard = tokio::time::timeout(ABSENT_FOR, stream.next()).await;
        assert!(
            heard.is_err(),
            "the producer heard of a gold decision: {heard:?}"
        );
    }
    queue
        .push(&ana, client, &[mutation(next_id, real_held[0], "approve")])
        .await;
    let heard = tokio::time::timeout(ARRIVES_WITHIN, stream.next())
        .await
        .expect("the producer hears of the real decision");
    let event = heard.expect("the stream is open").expect("an event");
    assert_eq!(event.known_name(), Some(EventName::Items));
}

async fn low_accuracy_tells_the_seniors_and_keeps_high_risk_items_away(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start(&db, 1.0).await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let ben = member(&queue, "ben", Role::Reviewer, &["fraud"]).await;
    let sara = member(&queue, "sara", Role::Senior, &["fraud"]).await;
    let sid = member(&queue, "sid", Role::Senior, &["editorial"]).await;
    let sara_hears = listen(&queue, &sara).await;
    let sid_hears = listen(&queue, &sid).await;
    for n in 0..35 {
        queue
            .submit(
                &producer,
                &item(&format!("txn-{}", 10_000 + n), "transaction", 0.7, "medium"),
            )
            .await;
    }
    // Every one of them should be rejected; ana approves everything.
    for n in 0..35 {
        queue
            .post("/v1/items", &admin, &gold(&format!("gold-{n}"), "reject"))
            .await;
    }
    approve_everything(&queue, &ana).await;
    assert_eq!(queue.count("SELECT COUNT(*) FROM gold_answers").await, 35);

    let alert = recv_alert(sara_hears).await;
    assert_eq!(
        (
            alert.reviewer.as_str(),
            alert.kind.as_str(),
            alert.team.as_str()
        ),
        ("ana", "transaction", "fraud")
    );
    assert_eq!(alert.min_accuracy, 0.9);
    assert!(alert.accuracy.upper().is_some_and(|upper| upper < 0.9));
    assert!(
        tokio::time::timeout(ABSENT_FOR, recv_alert(sid_hears))
            .await
            .is_err(),
        "another team's senior was told"
    );

    // A high-risk item skips ana and goes to ben; medium risk still reaches her.
    let high = queue
        .submit(&producer, &item("txn-high", "transaction", 0.7, "high"))
        .await;
    let medium = queue
        .submit(&producer, &item("txn-medium", "transaction", 0.7, "medium"))
        .await;
    let held: Vec<Value> = assignments(&queue.pull(&ana, Uuid::now_v7(), None).await)
        .into_iter()
        .map(|assignment| assignment["item"]["id"].clone())
        .collect();
    assert!(held.contains(&medium["id"]), "{held:?}");
    assert!(!held.contains(&high["id"]), "{held:?}");
    let ben_holds: Vec<Value> = assignments(&queue.pull(&ben, Uuid::now_v7(), None).await)
        .into_iter()
        .map(|assignment| assignment["item"]["id"].clone())
        .collect();
    assert!(ben_holds.contains(&high["id"]), "{ben_holds:?}");

    let report = queue.get("/v1/stats/gold", &sara).await;
    assert_eq!(report.status, 200);
    let row = &report.body["rows"][0];
    assert_eq!(row["reviewer"], "ana");
    assert_eq!(row["below_minimum"], true);
    assert_eq!(row["accuracy"]["status"], "estimated");
    assert_eq!(row["incorrect"], 35);
    // sid's teams have no gold answers.
    let report = queue.get("/v1/stats/gold", &sid).await;
    assert_eq!(report.body["rows"], json!([]));
}

async fn a_gold_copy_looks_like_real_work_to_its_reviewer(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start(&db, 1.0).await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let mut real = item("txn-48213", "transaction", 0.7, "medium");
    real["callback_url"] = json!("http://127.0.0.1:9/hook");
    queue.submit(&producer, &real).await;
    let mut known = gold("GOLD-CHECK", "reject");
    known["title"] = json!("transaction txn-48299");
    known["gold"]["reason_code"] = json!("fraud");
    queue.post("/v1/items", &admin, &known).await;

    let pulled = queue.pull(&ana, Uuid::now_v7(), None).await;
    let held = assignments(&pulled);
    assert_eq!(held.len(), 2, "{pulled}");
    let copies = gold_copy_ids(&queue).await;
    let (copy, real) = if copies.contains(held[0]["item"]["id"].as_str().unwrap_or("")) {
        (&held[0], &held[1])
    } else {
        (&held[1], &held[0])
    };
    assert!(copies.contains(copy["item"]["id"].as_str().unwrap_or("")));
    // The same JSON shape, key by key, and the same values where real work of this producer and
    // rule shares them.
    assert_eq!(shape(copy), shape(real));
    for pointer in [
        "/item/producer",
        "/item/callback_url",
        "/item/routing_rule",
        "/item/team",
        "/item/route",
        "/item/status",
        "/item/priority",
        "/item/kind",
        "/item/approvals_required",
        "/stage",
        "/lease/epoch",
    ] {
        assert_eq!(copy.pointer(pointer), real.pointer(pointer), "{pointer}");
    }
    let external_id = copy["item"]["external_id"].as_str().expect("external id");
    assert!(
        external_id.len() == 9
            && external_id.starts_with("txn-")
            && external_id[4..].chars().all(|c| c.is_ascii_digit()),
        "{external_id} is shaped like the producer's txn-48213"
    );
    for time in ["/item/created_at", "/item/due_at", "/lease/expires_at"] {
        let copy_time = copy.pointer(time).and_then(Value::as_str).unwrap_or("");
        let real_time = real.pointer(time).and_then(Value::as_str).unwrap_or("");
        assert_eq!(
            copy_time.len(),
            real_time.len(),
            "{time}: {copy_time} / {real_time}"
        );
    }
    let id = copy["item"]["id"].as_str().expect("id");
    assert_eq!(
        Uuid::parse_str(id).map(|uuid| uuid.get_version_num()),
        Ok(7),
        "{id}"
    );
    let text = serde_json::to_string(&pulled).expect("JSON").to_lowercase();
    assert!(!text.contains("gold"), "{text}");
    // Its story, for the reviewer, tells the same: submitted by the producer, routed, assigned.
    let story = queue.get(&format!("/v1/items/{id}/history"), &ana).await;
    let real_story = queue
        .get(
            &format!(
                "/v1/items/{}/history",
                real["item"]["id"].as_str().unwrap_or("")
            ),
            &ana,
        )
        .await;
    let actions = |story: &Value| -> Vec<(Value, Value)> {
        story["entries"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| (entry["actor"].clone(), entry["action"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(actions(&story.body), actions(&real_story.body));
    assert!(
        !story.body.to_string().to_lowercase().contains("gold"),
        "{}",
        story.body
    );
}

/// The JSON's shape: objects' keys with their values' shapes, arrays by their first element, and
/// the type of everything else.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect(),
        ),
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// Sara's desktop (her sync engine, watching, with a recording notifier) shows the gold alert when
/// ana falls below the minimum: who, on which kind, the accuracy with its interval; a click on it
/// opens the analytics view.
async fn a_seniors_desktop_shows_the_gold_alert(backend: Backend) {
    let db = TestDb::new(backend);
    // Ana takes all the work in one pull before Sara's desktop starts, so Sara's pulls take none.
    let policy = Policy::parse(
        &format!("prefetch = 100\n{}", policy_text(1.0)),
        "test policy",
    )
    .expect("a valid policy");
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy,
            ..Default::default()
        },
    )
    .await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let sara = member(&queue, "sara", Role::Senior, &["fraud"]).await;
    for n in 0..35 {
        queue
            .submit(
                &producer,
                &item(&format!("txn-{}", 20_000 + n), "transaction", 0.7, "medium"),
            )
            .await;
        queue
            .post("/v1/items", &admin, &gold(&format!("gold-{n}"), "reject"))
            .await;
    }
    let ana_client = Uuid::now_v7();
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 70, "35 real items and a gold copy after each");

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let shown = Arc::new(Recording::default());
    let engine = SyncEngine::new(
        store,
        QueueClient::new(&queue.url, Token::new(sara)).expect("client"),
        shown.clone(),
        Arc::new(countersign_client::SystemClock),
    );
    let pulls_before = pulls_served(&queue).await;
    let watching = tokio::spawn(async move { engine.watch().await });
    // Her first round, then the one her event stream's opening wakes: from then on she is listening.
    // The limit only stops a test that would otherwise hang; nothing here is timed.
    let listening = async {
        while pulls_served(&queue).await < pulls_before + 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), listening)
        .await
        .expect("Sara's desktop opened its event stream");

    let approvals: Vec<Value> = held
        .iter()
        .enumerate()
        .map(|(n, assignment)| mutation(n as u64 + 1, assignment, "approve"))
        .collect();
    assert_all_applied(
        &queue.push(&ana, ana_client, &approvals).await,
        approvals.len(),
    );
    wait_for("Sara's desktop to show the gold alert", || {
        !shown.shown().is_empty()
    })
    .await;
    let notices = shown.shown();
    assert_eq!(notices.len(), 1, "{:?}", shown.summaries());
    let notice = &notices[0];
    assert_eq!(notice.summary, "Gold accuracy below the minimum");
    assert!(
        // Told at the 30th wrong answer, the first with enough data to claim a rate.
        notice.body
            == "ana on transaction (fraud): 0.0% (0.0–11.4%, n=30) against a minimum of 90%. \
                High-risk transaction items skip ana until the accuracy recovers.",
        "{}",
        notice.body
    );
    assert_eq!(notice.opens, NoticeTarget::Analytics);
    watching.abort();
}

/// The `pulls_total` counter of the queue's `/metrics`.
async fn pulls_served(queue: &Queue) -> u64 {
    let metrics = queue.metrics().await;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("countersign_queue_pulls_total "))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("pulls_total in {metrics}"))
}

/// The `gold_alert` events `token`'s stream hears (other events are left aside).
async fn listen(queue: &Queue, token: &str) -> tokio::sync::mpsc::UnboundedReceiver<GoldAlert> {
    let remote = QueueClient::new(&queue.url, Token::new(token.to_owned())).expect("client");
    let mut stream = remote.events().await.expect("events stream");
    let (alerts, heard) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(event)) = stream.next().await {
            if event.known_name() == Some(EventName::GoldAlert) {
                let alert = serde_json::from_str(&event.data).expect("a gold alert");
                if alerts.send(alert).is_err() {
                    return;
                }
            }
        }
    });
    heard
}

async fn recv_alert(mut heard: tokio::sync::mpsc::UnboundedReceiver<GoldAlert>) -> GoldAlert {
    tokio::time::timeout(ARRIVES_WITHIN, heard.recv())
        .await
        .expect("a gold alert in time")
        .expect("the stream is open")
}
