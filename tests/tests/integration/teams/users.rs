//! Users and their tokens: disabled users, expiring tokens, unopened leases, the callback
//! allow-list, bad input, the embedded demo senior.

use super::*;

on_both_backends!(
    disabled_users_are_refused_and_their_leases_return,
    tokens_expire,
    unopened_leases_stop_renewing,
    callback_allow_list,
    bad_input_changes_nothing,
    the_embedded_demo_senior_sees_every_kind,
);

async fn disabled_users_are_refused_and_their_leases_return(backend: Backend) {
    let db = TestDb::new(backend);
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

async fn tokens_expire(backend: Backend) {
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
    let rotated = auth::issue_token(
        &queue.state().db,
        "root",
        "temp",
        Some(clock.now() + chrono::Duration::hours(1)),
        clock.now(),
    )
    .await
    .expect("rotated")
    .token;
    assert_eq!(queue.get("/v1/me", &rotated).await.status, 200);
    assert_eq!(queue.get("/v1/me", &token).await.status, 401);
}

async fn unopened_leases_stop_renewing(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
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

async fn callback_allow_list(backend: Backend) {
    let db = TestDb::new(backend);
    let mut options = ServeOptions::new(db.url.clone());
    options.callback_allow =
        CallbackAllow::parse(&["hooks.example.org", "*.corp.example", "127.0.0.0/8"])
            .expect("patterns");
    let server = countersign_queue::start(options).await.expect("starts");
    let producer = auth::add_user(&server.state.db, "bot", Role::Producer, SystemClock.now())
        .await
        .expect("producer");
    let http = countersign_testkit::http_client();
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
        "http://128.0.0.1/hook",
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
        "http://127.1.2.3:8080/hook",
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
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let mut submission = item("any", "transaction", 0.7, "medium");
    submission["callback_url"] = json!("https://anywhere.test/hook");
    assert_eq!(
        queue.post("/v1/items", &producer, &submission).await.status,
        201
    );
}

async fn bad_input_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start_with_teams(&db, QueueOptions::default()).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let before = queue.get("/v1/users", &admin).await.body;

    // Each refused change to a user: (user, body, status, code); none of them changes anything.
    let refused_patches = [
        (
            "ana",
            json!({"teams": ["fraud", "astrology"], "role": "senior"}),
            422,
            Some("unknown_team"),
        ),
        ("root", json!({"disabled": true}), 409, Some("last_admin")),
        ("root", json!({"role": "reviewer"}), 409, Some("last_admin")),
        ("root", json!([null, null]), 422, Some("invalid_request")),
        ("nobody", json!({"disabled": true}), 404, None),
    ];
    for (user, body, status, code) in refused_patches {
        let reply = queue
            .request(
                Method::PATCH,
                &format!("/v1/users/{user}"),
                Some(&admin),
                Some(&body),
            )
            .await;
        assert_eq!(reply.status, status, "PATCH {user} {body}");
        if let Some(code) = code {
            assert_eq!(reply.code(), code, "PATCH {user} {body}");
        }
    }
    let created = queue
        .post(
            "/v1/users",
            &admin,
            &json!({"name": "zed", "role": "reviewer", "teams": ["astrology"]}),
        )
        .await;
    assert_eq!(created.status, 422);
    assert_eq!(created.code(), "unknown_team");
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
    let db = TestDb::new(backend);
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

async fn the_embedded_demo_senior_sees_every_kind(backend: Backend) {
    let db = TestDb::new(backend);
    let setup = Db::open(&db.url).await.expect("database opens");
    let token =
        countersign_queue::users::ensure_demo_senior(&setup, "demo-senior", SystemClock.now())
            .await
            .expect("demo set up")
            .expect("a new user has a token");
    let again =
        countersign_queue::users::ensure_demo_senior(&setup, "demo-senior", SystemClock.now())
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
