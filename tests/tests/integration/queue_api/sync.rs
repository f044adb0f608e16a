//! Pull and push: replayed and gapped pushes, fencing by lease epoch, lease expiry and renewal,
//! removals reaching clients, and paged pulls.

use std::collections::HashMap;

use countersign_domain::Role;
use countersign_queue::{Clock as _, ManualClock, Policy, SystemClock};
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};
use uuid::Uuid;

on_both_backends!(
    replayed_push_returns_stored_results,
    gap_stops_processing,
    fencing_turns_stale_epochs_into_conflicts,
    expired_lease_without_rival_is_accepted,
    pull_renews_held_leases,
    cancel_and_decided_elsewhere_reach_clients,
    pull_and_push_answers_carry_the_servers_time,
    pulls_come_in_pages_of_at_most_max_grants,
);

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
    let reclaimed = countersign_queue::leases::sweep_expired(queue.state())
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
        countersign_queue::leases::sweep_expired(queue.state())
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
        countersign_queue::leases::sweep_expired(queue.state())
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

/// Each pull and push answer says how long the server took, as docs/protocol.md ("Pull", "Push")
/// defines its `Server-Timing` header: the sync's transaction, then writing the JSON.
async fn pull_and_push_answers_carry_the_servers_time(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;
    let client = Uuid::now_v7();
    let http = countersign_testkit::http_client();
    let timing = |phase: &'static str, path: &'static str, body: Value| {
        let (http, queue, reviewer) = (&http, &queue, &reviewer);
        async move {
            let answer = http
                .post(format!("{}{path}", queue.url))
                .bearer_auth(reviewer)
                .json(&body)
                .send()
                .await
                .expect("the service answers");
            assert_eq!(answer.status(), 200, "{path}");
            let header = answer
                .headers()
                .get("server-timing")
                .and_then(|value| value.to_str().ok())
                .expect("a Server-Timing header")
                .to_owned();
            let metrics: Vec<(String, f64)> = header
                .split(',')
                .map(|metric| {
                    let (name, duration) = metric
                        .trim()
                        .split_once(";dur=")
                        .expect("a metric with a duration");
                    (name.to_owned(), duration.parse().expect("milliseconds"))
                })
                .collect();
            let names: Vec<&str> = metrics.iter().map(|(name, _)| name.as_str()).collect();
            assert_eq!(names, [phase, "encode"], "{header}");
            assert!(
                metrics.iter().all(|(_, ms)| ms.is_finite() && *ms >= 0.0),
                "{header}"
            );
            answer.json::<Value>().await.expect("a JSON answer")
        }
    };
    let pulled = timing(
        "pull",
        "/v1/sync/pull",
        json!({"client_id": client, "cursor": null}),
    )
    .await;
    let held = assignments(&pulled);
    let pushed = timing(
        "push",
        "/v1/sync/push",
        json!({"client_id": client, "mutations": [mutation(1, &held[0], "approve")]}),
    )
    .await;
    assert_eq!(pushed["results"][0]["status"], "applied");
}

async fn pulls_come_in_pages_of_at_most_max_grants(backend: Backend) {
    let db = TestDb::new(backend);
    let policy = Policy::parse("prefetch = 4", "test").expect("policy");
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy,
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    for n in 0..7 {
        queue
            .submit(
                &producer,
                &item(&format!("p-{n}"), "transaction", 0.8, "medium"),
            )
            .await;
    }
    let client = Uuid::now_v7();
    let page = |cursor: Option<&str>, max_grants: u32| json!({"client_id": client, "cursor": cursor, "max_grants": max_grants});
    let held = || queue.count("SELECT COUNT(*) FROM items WHERE holder IS NOT NULL");

    let refused = queue.post("/v1/sync/pull", &ana, &page(None, 0)).await;
    assert_eq!(
        (refused.status, refused.code()),
        (422, "invalid_request"),
        "{refused:?}"
    );
    assert_eq!(held().await, 0, "a refused pull grants nothing");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let reply = queue
            .post("/v1/sync/pull", &ana, &page(cursor.as_deref(), 2))
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let granted = assignments(&reply.body);
        seen.extend(granted.iter().map(|a| a["item"]["id"].clone()));
        let more = reply.body["more"].as_bool().expect("more is a boolean");
        pages.push((granted.len(), more));
        cursor = reply.body["cursor"].as_str().map(str::to_owned);
        if !more {
            break;
        }
    }
    assert_eq!(
        pages,
        [(2, true), (2, false)],
        "pages of two until the prefetch of four is held, and no empty page after"
    );
    let distinct: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(
        distinct.len(),
        4,
        "each page brings new items only: {seen:?}"
    );
    assert_eq!(held().await, 4);

    let full = queue
        .post("/v1/sync/pull", &ana, &page(cursor.as_deref(), 2))
        .await;
    assert_eq!(
        (assignments(&full.body).len(), &full.body["more"]),
        (0, &json!(false))
    );
    let restart = queue.pull(&ana, client, None).await;
    assert_eq!(
        assignments(&restart).len(),
        4,
        "starting over brings everything held, whatever the pages"
    );
    assert_eq!(
        restart["more"],
        json!(false),
        "no max_grants: no page limit"
    );
}
