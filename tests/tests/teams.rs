//! Issue 9 on SQLite and PostgreSQL: teams keep work with the people qualified for it,
//! escalations reach a busy senior, released work goes to someone else, deadlines act
//! (escalate or timeout_reject, and a decision made offline in time still stands), disabled
//! users and expired tokens are refused, the callback allow-list holds, bad input changes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use countersign_domain::Role;
use countersign_queue::auth::{self, UserSpec};
use countersign_queue::callbacks::CallbackAllow;
use countersign_queue::{Clock, Db, ManualClock, Policy, ServeOptions, deadlines, teams};
use countersign_tests::{
    Queue, QueueOptions, Store, TestDb, assignments, item, mutation, on_both_stores,
};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

on_both_stores!(
    members_only_ever_hold_their_teams_work,
    an_escalation_reaches_a_senior_holding_the_prefetch_target,
    the_releaser_waits_while_another_member_pulls,
    claims_keep_the_earliest_deadline_first,
    breach_escalates,
    breach_times_out_and_a_late_decision_conflicts,
    a_decision_made_offline_before_the_deadline_stands,
    disabled_users_are_refused_and_their_leases_return,
    tokens_expire,
    unopened_leases_stop_renewing,
    callback_allow_list,
    bad_input_changes_nothing,
    the_embedded_demo_senior_sees_every_kind,
    expired_leases_are_reclaimed_only_for_the_team,
);

/// Creates the demo teams in a fresh database, then starts the queue with `options`.
async fn start_with_teams(db: &TestDb, options: QueueOptions) -> Queue {
    let store = Db::open(&db.url).await.expect("database opens");
    teams::ensure(&store, &teams::DEMO_TEAMS, Utc::now())
        .await
        .expect("teams created");
    store.pool.close().await;
    Queue::start(db, options).await
}

/// A user in `team_names`, directly in the database; returns the token.
async fn member(queue: &Queue, name: &str, role: Role, team_names: &[&str]) -> String {
    let team_names: Vec<String> = team_names.iter().map(|team| (*team).to_owned()).collect();
    let spec = UserSpec {
        name,
        role,
        teams: &team_names,
        token_expires_at: None,
    };
    auth::add_user_with(&queue.state().db, &spec, queue.state().now())
        .await
        .expect("user created")
}

fn policy(text: &str) -> Policy {
    Policy::parse(text, "test policy").expect("valid policy")
}

fn team_of_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "transaction" => Some("fraud"),
        "content_draft" => Some("editorial"),
        "clinical_suggestion" => Some("clinical"),
        _ => None,
    }
}

async fn members_only_ever_hold_their_teams_work(store: Store) {
    let db = TestDb::new(store);
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy: Policy::demo(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let people: Vec<(&str, Role, Vec<&str>)> = vec![
        ("fiona", Role::Reviewer, vec!["fraud"]),
        ("ed", Role::Reviewer, vec!["editorial"]),
        ("cleo", Role::Reviewer, vec!["clinical"]),
        ("mo", Role::Reviewer, vec!["fraud", "clinical"]),
        ("sara", Role::Senior, vec!["fraud"]),
        ("sid", Role::Senior, vec!["editorial", "clinical"]),
        ("nobody", Role::Reviewer, vec![]),
    ];
    let mut tokens = Vec::new();
    for (name, role, member_of) in &people {
        tokens.push((
            *name,
            member(&queue, name, *role, member_of).await,
            member_of.clone(),
        ));
    }
    let kinds = [
        "transaction",
        "content_draft",
        "clinical_suggestion",
        "other",
    ];
    let risks = [("medium", 0.7), ("high", 0.9), ("low", 0.3)];
    for n in 0..60 {
        let (risk, confidence) = risks[n % risks.len()];
        let kind = kinds[(n / 3) % kinds.len()];
        queue
            .submit(&producer, &item(&format!("i-{n}"), kind, confidence, risk))
            .await;
    }
    // A seeded walk: someone pulls, then decides, releases or keeps one of their items.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let clients: Vec<Uuid> = tokens.iter().map(|_| Uuid::now_v7()).collect();
    let mut mutation_ids = vec![0u64; tokens.len()];
    let mut held_by_other_team = 0;
    for _ in 0..80 {
        let who = (next() % tokens.len() as u64) as usize;
        let (name, token, member_of) = &tokens[who];
        let pulled = queue.pull(token, clients[who], None).await;
        let held = assignments(&pulled);
        for assignment in &held {
            let team = assignment["item"]["team"].as_str();
            assert_eq!(
                team,
                team_of_kind(assignment["item"]["kind"].as_str().unwrap_or("")),
                "the item records its rule's team"
            );
            if team.is_some_and(|team| !member_of.contains(&team)) {
                held_by_other_team += 1;
            }
        }
        assert_eq!(
            held_by_other_team, 0,
            "{name} was given another team's item"
        );
        if let Some(assignment) = held.get((next() % 4) as usize) {
            let action = ["approve", "release", "reject"][(next() % 3) as usize];
            mutation_ids[who] += 1;
            let pushed = queue
                .push(
                    token,
                    clients[who],
                    &[mutation(mutation_ids[who], assignment, action)],
                )
                .await;
            assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
        }
    }
    // And in the database, whatever the walk did: no holder outside the item's team.
    assert_eq!(
        queue
            .count(
                "SELECT COUNT(*) FROM items i WHERE i.holder IS NOT NULL AND i.team IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM user_teams m \
                 WHERE m.user_name = i.holder AND m.team = i.team)"
            )
            .await,
        0
    );
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder = 'nobody' AND team IS NOT NULL")
            .await,
        0
    );
}

async fn an_escalation_reaches_a_senior_holding_the_prefetch_target(store: Store) {
    let db = TestDb::new(store);
    let mut policy = Policy::demo();
    policy.prefetch = 3;
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy,
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let fraud_senior = member(&queue, "sara", Role::Senior, &["fraud"]).await;
    let clinical_senior = member(&queue, "sid", Role::Senior, &["clinical"]).await;
    for n in 0..4 {
        queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.7, "medium"),
            )
            .await;
        queue
            .submit(
                &producer,
                &item(&format!("c-{n}"), "clinical_suggestion", 0.7, "medium"),
            )
            .await;
    }
    let (sara, sid) = (Uuid::now_v7(), Uuid::now_v7());
    let first = queue.pull(&fraud_senior, sara, None).await;
    assert_eq!(
        assignments(&first).len(),
        3,
        "sara holds the prefetch target"
    );
    assert_eq!(
        assignments(&queue.pull(&clinical_senior, sid, None).await).len(),
        3
    );

    let escalated = queue
        .submit(&producer, &item("t-risky", "transaction", 0.9, "high"))
        .await;
    assert_eq!(escalated["route"], "escalation");
    assert_eq!(escalated["team"], "fraud");
    // The clinical senior is not the fraud team's: nothing for them, busy or not.
    let sid_again = queue.pull(&clinical_senior, sid, None).await;
    assert!(
        assignments(&sid_again)
            .iter()
            .all(|a| a["item"]["id"] != escalated["id"])
    );
    let again = queue.pull(&fraud_senior, sara, None).await;
    let held = assignments(&again);
    assert_eq!(held.len(), 4, "beyond the prefetch target");
    let escalation = held
        .iter()
        .find(|a| a["item"]["id"] == escalated["id"])
        .expect("the escalation reached the busy senior");
    assert_eq!(escalation["stage"], "escalation");
}

async fn the_releaser_waits_while_another_member_pulls(store: Store) {
    let db = TestDb::new(store);
    let clock = ManualClock::new(Utc::now());
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
    let ben = queue.user("ben", Role::Reviewer).await;
    let submitted = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let (ana_client, ben_client) = (Uuid::now_v7(), Uuid::now_v7());

    // Alone, a releaser gets the item back: nobody else could take it.
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 1);
    queue
        .push(&ana, ana_client, &[mutation(1, &held[0], "release")])
        .await;
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 1, "no one else eligible: back to the releaser");

    // With ben active, ana's release goes to ben, not back to ana.
    assert!(assignments(&queue.pull(&ben, ben_client, None).await).is_empty());
    queue
        .push(&ana, ana_client, &[mutation(2, &held[0], "release")])
        .await;
    clock.advance(chrono::Duration::minutes(1));
    assert!(
        assignments(&queue.pull(&ana, ana_client, None).await).is_empty(),
        "the releaser does not get it back during the cool-down"
    );
    let bens = assignments(&queue.pull(&ben, ben_client, None).await);
    assert_eq!(bens.len(), 1);
    assert_eq!(bens[0]["item"]["id"], submitted["id"]);
}

async fn claims_keep_the_earliest_deadline_first(store: Store) {
    let db = TestDb::new(store);
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: policy("prefetch = 1\n[[rules]]\nname = \"r\"\nroute = \"review\""),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let now = Utc::now();
    let mut late = item("late", "transaction", 0.7, "medium");
    late["due_at"] = json!(now + chrono::Duration::hours(5));
    let mut soon = item("soon", "transaction", 0.7, "medium");
    soon["due_at"] = json!(now + chrono::Duration::hours(1));
    let undated = item("undated", "transaction", 0.7, "medium");
    let mut urgent = item("urgent", "transaction", 0.7, "medium");
    urgent["priority"] = json!(90);
    for submission in [&undated, &late, &soon, &urgent] {
        queue.submit(&producer, submission).await;
    }
    let mut order = Vec::new();
    let client = Uuid::now_v7();
    for id in 1..=4 {
        let held = assignments(&queue.pull(&ana, client, None).await);
        assert_eq!(held.len(), 1);
        order.push(
            held[0]["item"]["external_id"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        );
        queue
            .push(&ana, client, &[mutation(id, &held[0], "approve")])
            .await;
    }
    assert_eq!(order, ["urgent", "soon", "late", "undated"]);
}

const BREACH_POLICY: &str = r#"
[[rules]]
name = "escalate-late-reviews"
kinds = ["transaction"]
route = "review"
due_in = "1h"
warn_before = "15m"
on_breach = "escalate"

[[rules]]
name = "time-out-late-drafts"
kinds = ["content_draft"]
route = "review"
due_in = "1h"
on_breach = "timeout_reject"
"#;

async fn breach_queue(store: Store) -> (TestDb, Queue, Arc<ManualClock>) {
    let db = TestDb::new(store);
    let clock = ManualClock::new(Utc::now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: policy(BREACH_POLICY),
            ..Default::default()
        },
    )
    .await;
    (db, queue, clock)
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc))
        .expect("an RFC 3339 time")
}

async fn breach_escalates(store: Store) {
    let (_db, queue, clock) = breach_queue(store).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let sam = queue.user("sam", Role::Senior).await;
    let submitted = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let due = time(&submitted["due_at"]);
    assert_eq!(
        (due - clock.now() + chrono::Duration::milliseconds(1)).num_minutes(),
        60,
        "due_in"
    );
    assert_eq!(
        due - time(&submitted["warn_at"]),
        chrono::Duration::minutes(15)
    );
    let client = Uuid::now_v7();
    let first = queue.pull(&ana, client, None).await;
    assert_eq!(assignments(&first).len(), 1);

    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        0
    );
    clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        0,
        "on_breach runs once"
    );
    let second = queue.pull(&ana, client, first["cursor"].as_str()).await;
    assert_eq!(second["removed"][0]["item_id"], submitted["id"]);
    assert_eq!(second["removed"][0]["reason"], "reassigned");
    let seniors = assignments(&queue.pull(&sam, Uuid::now_v7(), None).await);
    assert_eq!(seniors.len(), 1);
    assert_eq!(seniors[0]["stage"], "escalation");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE actor = 'system:deadline' AND action = 'escalate'")
            .await,
        1
    );
}

async fn breach_times_out_and_a_late_decision_conflicts(store: Store) {
    let (_db, queue, clock) = breach_queue(store).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let mut draft = item("d-1", "content_draft", 0.7, "medium");
    draft["callback_url"] = json!("http://127.0.0.1:9/hook");
    let submitted = queue.submit(&producer, &draft).await;
    let due = time(&submitted["due_at"]);
    let client = Uuid::now_v7();
    let first = queue.pull(&ana, client, None).await;
    let held = assignments(&first);
    assert_eq!(held.len(), 1);

    clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        1
    );
    let decided = queue
        .count("SELECT COUNT(*) FROM items WHERE status = 'decided' AND outcome = 'rejected'")
        .await;
    assert_eq!(decided, 1);
    assert_eq!(
        queue
            .count(
                "SELECT COUNT(*) FROM decisions WHERE by_user = 'system:timeout' \
                 AND action = 'reject' AND reason_code = 'timeout'"
            )
            .await,
        1
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM webhook_outbox").await, 1);
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE actor = 'system:timeout' AND action = 'decide'")
            .await,
        1
    );
    let second = queue.pull(&ana, client, first["cursor"].as_str()).await;
    assert_eq!(second["removed"][0]["item_id"], submitted["id"]);
    assert_eq!(second["removed"][0]["reason"], "timed_out");

    // Decided after the deadline: the timeout stands, the decision is answered and audited.
    let mut late = mutation(1, &held[0], "approve");
    late["client_time"] = json!(due + chrono::Duration::minutes(1));
    let pushed = queue.push(&ana, client, &[late]).await;
    assert_eq!(pushed["results"][0]["status"], "conflict");
    assert_eq!(pushed["results"][0]["code"], "timed_out");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE outcome = 'rejected'")
            .await,
        1
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM webhook_outbox").await, 1);
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'conflict'")
            .await,
        1
    );
}

async fn a_decision_made_offline_before_the_deadline_stands(store: Store) {
    let (_db, queue, clock) = breach_queue(store).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let mut draft = item("d-1", "content_draft", 0.7, "medium");
    draft["callback_url"] = json!("http://127.0.0.1:9/hook");
    let submitted = queue.submit(&producer, &draft).await;
    let due = time(&submitted["due_at"]);
    let (laptop, phone) = (Uuid::now_v7(), Uuid::now_v7());
    let held = assignments(&queue.pull(&ana, laptop, None).await);
    // The phone has the same lease (same user) and will try too.
    let on_phone = assignments(&queue.pull(&ana, phone, None).await);
    assert_eq!(on_phone[0]["lease"]["id"], held[0]["lease"]["id"]);

    // Approved offline ten minutes before the deadline; the upload comes after the timeout.
    let mut in_time = mutation(1, &held[0], "approve_with_edits");
    in_time["client_time"] = json!(due - chrono::Duration::minutes(10));
    clock.advance(chrono::Duration::minutes(90));
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        1
    );
    let pushed = queue.push(&ana, laptop, &[in_time]).await;
    assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE status = 'decided' AND outcome = 'approved_with_edits'")
            .await,
        1,
        "the person's decision is the outcome"
    );
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM decisions WHERE by_user IN ('system:timeout', 'ana')")
            .await,
        2,
        "both are in the history"
    );
    assert_eq!(
        queue.count("SELECT COUNT(*) FROM webhook_outbox").await,
        2,
        "the producer hears the final outcome"
    );

    // No second outcome: another in-time decision on the same lease is decided elsewhere.
    let mut again = mutation(1, &on_phone[0], "reject");
    again["client_time"] = json!(due - chrono::Duration::minutes(5));
    let pushed = queue.push(&ana, phone, &[again]).await;
    assert_eq!(pushed["results"][0]["status"], "conflict");
    assert_eq!(pushed["results"][0]["code"], "decided_elsewhere");
    assert_eq!(queue.count("SELECT COUNT(*) FROM webhook_outbox").await, 2);
}

async fn disabled_users_are_refused_and_their_leases_return(store: Store) {
    let db = TestDb::new(store);
    let queue = start_with_teams(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud", "clinical"]).await;
    let ben = queue.user("ben", Role::Reviewer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    assert_eq!(
        assignments(&queue.pull(&ana, Uuid::now_v7(), None).await).len(),
        1
    );
    let me = queue.get("/v1/me", &ana).await;
    assert_eq!(me.body["teams"], json!(["clinical", "fraud"]));

    let listed = queue.get("/v1/users", &admin).await;
    assert_eq!(listed.status, 200);
    let users: HashMap<String, Value> = listed.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|user| (user["name"].as_str().unwrap_or("").to_owned(), user.clone()))
        .collect();
    assert_eq!(
        users["ana"],
        json!({"name": "ana", "role": "reviewer", "teams": ["clinical", "fraud"], "disabled": false})
    );
    assert_eq!(queue.get("/v1/users", &ana).await.status, 403);

    let disabled = queue
        .request(
            Method::PATCH,
            "/v1/users/ana",
            Some(&admin),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(disabled.status, 200, "{disabled:?}");
    assert_eq!(disabled.body["disabled"], true);
    let refused = queue
        .post("/v1/sync/pull", &ana, &json!({"client_id": Uuid::now_v7()}))
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.code(), "unauthorized");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder IS NOT NULL")
            .await,
        0,
        "the leases went back"
    );
    assert_eq!(
        assignments(&queue.pull(&ben, Uuid::now_v7(), None).await).len(),
        1
    );

    let enabled = queue
        .request(
            Method::PATCH,
            "/v1/users/ana",
            Some(&admin),
            Some(&json!({"disabled": false, "teams": ["editorial"], "role": "senior"})),
        )
        .await;
    assert_eq!(enabled.status, 200, "{enabled:?}");
    assert_eq!(
        enabled.body,
        json!({"name": "ana", "role": "senior", "teams": ["editorial"], "disabled": false})
    );
    assert_eq!(queue.get("/v1/me", &ana).await.status, 200);
}

async fn tokens_expire(store: Store) {
    let db = TestDb::new(store);
    let clock = ManualClock::new(Utc::now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let spec = UserSpec {
        name: "temp",
        role: Role::Reviewer,
        teams: &[],
        token_expires_at: Some(clock.now() + chrono::Duration::days(90)),
    };
    let token = auth::add_user_with(&queue.state().db, &spec, clock.now())
        .await
        .expect("user");
    assert_eq!(queue.get("/v1/me", &token).await.status, 200);
    clock.advance(chrono::Duration::days(91));
    let expired = queue.get("/v1/me", &token).await;
    assert_eq!(expired.status, 401);
    assert!(
        expired.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("expired")
    );
    let rotated = auth::rotate_token_until(
        &queue.state().db,
        "temp",
        Some(clock.now() + chrono::Duration::hours(1)),
    )
    .await
    .expect("rotated");
    assert_eq!(queue.get("/v1/me", &rotated).await.status, 200);
    assert_eq!(queue.get("/v1/me", &token).await.status, 401);
}

async fn unopened_leases_stop_renewing(store: Store) {
    let db = TestDb::new(store);
    let clock = ManualClock::new(Utc::now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: policy("lease_seconds = 3600\nmax_unopened_renewals = 1"),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let unopened = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let opened = queue
        .submit(&producer, &item("t-2", "transaction", 0.7, "medium"))
        .await;
    let client = Uuid::now_v7();
    assert_eq!(assignments(&queue.pull(&ana, client, None).await).len(), 2);
    let expiry = |id: &Value| {
        format!(
            "SELECT lease_expires_at FROM items WHERE id = '{}'",
            id.as_str().unwrap_or("")
        )
    };
    for round in 1..=3 {
        clock.advance(chrono::Duration::minutes(10));
        let reply = queue
            .post(
                "/v1/sync/pull",
                &ana,
                &json!({"client_id": client, "cursor": null, "opened": [opened["id"]]}),
            )
            .await;
        assert_eq!(reply.status, 200);
        let now = clock.now().timestamp_micros();
        let renewed_to = now + 3_600_000_000;
        assert_eq!(
            queue.count(&expiry(&opened["id"])).await,
            renewed_to,
            "round {round}"
        );
        let unopened_expiry = queue.count(&expiry(&unopened["id"])).await;
        if round == 1 {
            assert_eq!(unopened_expiry, renewed_to, "one renewal allowed");
        } else {
            assert!(
                unopened_expiry < renewed_to,
                "round {round}: no more renewals"
            );
        }
    }
}

async fn callback_allow_list(store: Store) {
    let db = TestDb::new(store);
    let mut options = ServeOptions::new(db.url.clone());
    options.callback_allow =
        CallbackAllow::parse(&["hooks.example.org", "*.corp.example", "10.0.0.0/8"])
            .expect("patterns");
    let server = countersign_queue::start(options).await.expect("starts");
    let producer = auth::add_user(&server.state.db, "bot", Role::Producer, Utc::now())
        .await
        .expect("producer");
    let http = reqwest::Client::new();
    let submit = |external_id: &str, url: &str| {
        let mut submission = item(external_id, "transaction", 0.7, "medium");
        submission["callback_url"] = json!(url);
        http.post(format!("{}/v1/items", server.url()))
            .bearer_auth(&producer)
            .json(&submission)
            .send()
    };
    for (n, url) in [
        "https://evil.test/hook",
        "https://hooks.example.org.evil.test/hook",
        "http://11.0.0.1/hook",
    ]
    .iter()
    .enumerate()
    {
        let reply = submit(&format!("bad-{n}"), url).await.expect("reply");
        assert_eq!(reply.status().as_u16(), 422, "{url}");
        let body: Value = reply.json().await.expect("json");
        assert_eq!(body["error"]["code"], "callback_url_not_allowed");
    }
    for (n, url) in [
        "https://hooks.example.org/hook",
        "https://a.corp.example/hook",
        "http://10.1.2.3:8080/hook",
    ]
    .iter()
    .enumerate()
    {
        let reply = submit(&format!("good-{n}"), url).await.expect("reply");
        assert_eq!(reply.status().as_u16(), 201, "{url}");
    }
    let stored = sqlx::query("SELECT COUNT(*) FROM items")
        .fetch_one(&server.state.db.pool)
        .await
        .expect("count");
    assert_eq!(sqlx::Row::try_get::<i64, _>(&stored, 0).expect("count"), 3);
    server.shutdown().await;

    // Unrestricted by default.
    let db = TestDb::new(store);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let mut submission = item("any", "transaction", 0.7, "medium");
    submission["callback_url"] = json!("https://anywhere.test/hook");
    assert_eq!(
        queue.post("/v1/items", &producer, &submission).await.status,
        201
    );
}

async fn bad_input_changes_nothing(store: Store) {
    let db = TestDb::new(store);
    let queue = start_with_teams(&db, QueueOptions::default()).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let before = queue.get("/v1/users", &admin).await.body;

    let unknown_team = queue
        .request(
            Method::PATCH,
            "/v1/users/ana",
            Some(&admin),
            Some(&json!({"teams": ["fraud", "astrology"], "role": "senior"})),
        )
        .await;
    assert_eq!(unknown_team.status, 422);
    assert_eq!(unknown_team.code(), "unknown_team");
    let created = queue
        .post(
            "/v1/users",
            &admin,
            &json!({"name": "zed", "role": "reviewer", "teams": ["astrology"]}),
        )
        .await;
    assert_eq!(created.status, 422);
    assert_eq!(created.code(), "unknown_team");
    let last_admin = queue
        .request(
            Method::PATCH,
            "/v1/users/root",
            Some(&admin),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(last_admin.status, 409);
    assert_eq!(last_admin.code(), "last_admin");
    let demoted = queue
        .request(
            Method::PATCH,
            "/v1/users/root",
            Some(&admin),
            Some(&json!({"role": "reviewer"})),
        )
        .await;
    assert_eq!(demoted.code(), "last_admin");
    let not_an_object = queue
        .request(
            Method::PATCH,
            "/v1/users/root",
            Some(&admin),
            Some(&json!([null, null])),
        )
        .await;
    assert_eq!(not_an_object.status, 422);
    assert_eq!(not_an_object.code(), "invalid_request");
    let missing = queue
        .request(
            Method::PATCH,
            "/v1/users/nobody",
            Some(&admin),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(missing.status, 404);
    let bad_team = queue
        .post("/v1/teams", &admin, &json!({"name": "Has Space"}))
        .await;
    assert_eq!(bad_team.status, 422);
    let twice = queue
        .post("/v1/teams", &admin, &json!({"name": "fraud"}))
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.code(), "team_exists");
    assert_eq!(
        queue.get("/v1/users", &admin).await.body,
        before,
        "nothing changed"
    );
    assert_eq!(
        queue.get("/v1/me", &ana).await.body["teams"],
        json!(["fraud"])
    );
    let teams_now = queue.get("/v1/teams", &admin).await.body;
    assert_eq!(
        teams_now,
        json!({"teams": ["clinical", "editorial", "fraud"]})
    );
    // A second admin makes the first one removable.
    let second = queue
        .post(
            "/v1/users",
            &admin,
            &json!({"name": "root2", "role": "admin"}),
        )
        .await;
    assert_eq!(second.status, 201);
    let demoted = queue
        .request(
            Method::PATCH,
            "/v1/users/root",
            Some(&admin),
            Some(&json!({"role": "reviewer"})),
        )
        .await;
    assert_eq!(demoted.status, 200);

    // A policy naming a missing team is refused at start, naming the rule.
    let db = TestDb::new(store);
    let mut options = ServeOptions::new(db.url.clone());
    options.policy =
        policy("[[rules]]\nname = \"to-astrologers\"\nroute = \"review\"\nteam = \"astrology\"");
    let refused = countersign_queue::start(options)
        .await
        .err()
        .expect("refused");
    let message = refused.to_string();
    assert!(
        message.contains("to-astrologers") && message.contains("astrology"),
        "{message}"
    );
    // A malformed duration is refused at load, naming the key's value.
    let malformed = Policy::parse(
        "[[rules]]\nname = \"r\"\nroute = \"review\"\ndue_in = \"soon\"",
        "p.toml",
    )
    .expect_err("malformed");
    assert!(
        malformed.to_string().contains("not a duration"),
        "{malformed}"
    );
}

async fn the_embedded_demo_senior_sees_every_kind(store: Store) {
    let db = TestDb::new(store);
    let setup = Db::open(&db.url).await.expect("database opens");
    let token = countersign_queue::users::ensure_demo_senior(&setup, "demo-senior", Utc::now())
        .await
        .expect("demo set up")
        .expect("a new user has a token");
    let again = countersign_queue::users::ensure_demo_senior(&setup, "demo-senior", Utc::now())
        .await
        .expect("idempotent");
    assert_eq!(again, None, "an existing user keeps its token");
    setup.pool.close().await;
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: Policy::demo(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    for kind in ["transaction", "content_draft", "clinical_suggestion"] {
        let submitted = queue
            .submit(&producer, &item(&format!("{kind}-1"), kind, 0.7, "medium"))
            .await;
        assert_eq!(submitted["team"].as_str(), team_of_kind(kind));
        assert!(
            submitted["due_at"].is_string(),
            "the demo policy sets deadlines"
        );
    }
    let me = queue.get("/v1/me", &token).await;
    assert_eq!(me.body["role"], "senior");
    assert_eq!(me.body["teams"], json!(["clinical", "editorial", "fraud"]));
    let kinds: std::collections::HashSet<String> =
        assignments(&queue.pull(&token, Uuid::now_v7(), None).await)
            .iter()
            .filter_map(|a| a["item"]["kind"].as_str().map(str::to_owned))
            .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
}

async fn expired_leases_are_reclaimed_only_for_the_team(store: Store) {
    let db = TestDb::new(store);
    let clock = ManualClock::new(Utc::now());
    let mut policy = Policy::demo();
    policy.lease_seconds = 60;
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy,
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let fiona = member(&queue, "fiona", Role::Reviewer, &["fraud"]).await;
    let cleo = member(&queue, "cleo", Role::Reviewer, &["clinical"]).await;
    let fred = member(&queue, "fred", Role::Reviewer, &["fraud"]).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    assert_eq!(
        assignments(&queue.pull(&fiona, Uuid::now_v7(), None).await).len(),
        1
    );
    clock.advance(chrono::Duration::minutes(2));
    assert!(assignments(&queue.pull(&cleo, Uuid::now_v7(), None).await).is_empty());
    let sweep = || countersign_queue::leases::sweep_expired(queue.state());
    assert_eq!(
        sweep().await.expect("sweep"),
        0,
        "a waiting member of another team does not take fraud work"
    );
    let fred_client = Uuid::now_v7();
    assert!(assignments(&queue.pull(&fred, fred_client, None).await).is_empty());
    assert_eq!(
        sweep().await.expect("sweep"),
        1,
        "a waiting fraud member does"
    );
    assert_eq!(
        assignments(&queue.pull(&fred, fred_client, None).await).len(),
        1
    );
}
