//! What the admin view reads and changes: token rotation (`POST /v1/users/{name}/token`) and the
//! queue's health per team and stage (`GET /v1/queue/health`, and as gauges on `/metrics`).

use super::*;

on_both_backends!(tokens_are_rotated, queue_health_counts_each_team_and_stage,);

async fn tokens_are_rotated(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let running = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let queue = &running;
    let admin = queue.user("root", Role::Admin).await;
    let first = queue.user("rita", Role::Reviewer).await;
    let issue = |body: Option<Value>| {
        let admin = admin.clone();
        async move {
            queue
                .request(
                    Method::POST,
                    "/v1/users/rita/token",
                    Some(&admin),
                    body.as_ref(),
                )
                .await
        }
    };
    let me = |token: String| async move { queue.get("/v1/me", &token).await.status };

    let expiring = issue(Some(json!({"expires_in": "90d"}))).await;
    assert_eq!(expiring.status, 201, "{expiring:?}");
    assert_eq!(expiring.body["name"], "rita");
    assert_eq!(
        time(&expiring.body["expires_at"]),
        queue.state().now() + chrono::Duration::days(90)
    );
    let second = expiring.body["token"].as_str().expect("token").to_owned();
    assert!(second.starts_with("cs_") && second != first);
    assert_eq!(
        me(first.clone()).await,
        401,
        "the older token is refused at once"
    );
    assert_eq!(me(second.clone()).await, 200);

    let lasting = issue(Some(Value::Null)).await;
    assert_eq!(lasting.status, 201, "{lasting:?}");
    assert_eq!(lasting.body["expires_at"], Value::Null);
    let third = lasting.body["token"].as_str().expect("token").to_owned();
    assert_eq!(me(second.clone()).await, 401);
    assert_eq!(me(third.clone()).await, 200);

    // Bad input is refused and changes nothing: the current token keeps working.
    for (body, status, code) in [
        (json!({"expires_in": "soon"}), 422, "invalid_duration"),
        (json!({"expires_in": "0d"}), 422, "invalid_duration"),
        (
            json!({"expires_in": "1d", "scope": "all"}),
            422,
            "invalid_request",
        ),
        (json!(["90d"]), 422, "invalid_request"),
    ] {
        let refused = issue(Some(body.clone())).await;
        assert_eq!((refused.status, refused.code()), (status, code), "{body}");
    }
    let unknown = queue
        .request(Method::POST, "/v1/users/nobody/token", Some(&admin), None)
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "not_found"));
    assert_eq!(me(third.clone()).await, 200);

    // A disabled user may be given a token; it is refused until the user is enabled.
    let patch = |disabled: bool| {
        let admin = admin.clone();
        async move {
            let body = json!({ "disabled": disabled });
            let reply = queue
                .request(Method::PATCH, "/v1/users/rita", Some(&admin), Some(&body))
                .await;
            assert_eq!(reply.status, 200, "{reply:?}");
        }
    };
    patch(true).await;
    let while_disabled = issue(None).await;
    assert_eq!(while_disabled.status, 201, "{while_disabled:?}");
    let fourth = while_disabled.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(me(fourth.clone()).await, 401);
    patch(false).await;
    assert_eq!(me(fourth.clone()).await, 200);
    assert_eq!(me(third).await, 401);

    // Audited, by the admin who did it, without the token itself.
    let audit = queue.get("/v1/audit", &admin).await;
    let issued: Vec<&Value> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "token_issued")
        .collect();
    assert_eq!(issued.len(), 3, "the refused requests left no entry");
    for entry in &issued {
        assert_eq!(entry["actor"], "root");
        assert_eq!(entry["data"]["user"], "rita");
    }
    assert_eq!(
        time(&issued[0]["data"]["expires_at"]),
        time(&expiring.body["expires_at"])
    );
    assert!(!audit.body.to_string().contains(&fourth));
}

const HEALTH_POLICY: &str = r#"
prefetch = 2

[[rules]]
name = "fraud-review"
kinds = ["transaction"]
risk = ["medium"]
route = "review"
team = "fraud"

[[rules]]
name = "fraud-escalation"
kinds = ["transaction"]
route = "escalation"
team = "fraud"

[[rules]]
name = "editorial-review"
kinds = ["content_draft"]
route = "review"
team = "editorial"

[[rules]]
name = "everyone-review"
route = "review"
"#;

async fn queue_health_counts_each_team_and_stage(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = start_with_teams(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: policy(HEALTH_POLICY),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let ben = queue.user("ben", Role::Reviewer).await;
    let start = clock.now();
    let due = |minutes: i64| json!(start + chrono::Duration::minutes(minutes));
    // (external id, kind, risk, due in minutes): fraud review ×3, fraud escalation, editorial
    // review, no-team review ×2.
    let mix = [
        ("t-1", "transaction", "medium", Some(60)),
        ("t-2", "transaction", "medium", Some(600)),
        ("t-3", "transaction", "medium", None),
        ("t-4", "transaction", "high", Some(30)),
        ("d-1", "content_draft", "medium", None),
        ("c-1", "clinical_suggestion", "medium", None),
        ("c-2", "clinical_suggestion", "medium", None),
    ];
    let mut created = HashMap::new();
    for (external_id, kind, risk, due_in) in mix {
        let mut submission = item(external_id, kind, 0.7, risk);
        if let Some(minutes) = due_in {
            submission["due_at"] = due(minutes);
        }
        let submitted = queue.submit(&producer, &submission).await;
        created.insert(external_id, time(&submitted["created_at"]));
        clock.advance(chrono::Duration::minutes(1));
    }
    // Ana holds the two fraud reviews due first; Ben both no-team items, and decides one.
    let held = assignments(&queue.pull(&ana, Uuid::now_v7(), None).await);
    let held_ids: Vec<&str> = held
        .iter()
        .map(|assignment| assignment["item"]["external_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(held_ids, ["t-1", "t-2"]);
    let client = Uuid::now_v7();
    let bens = assignments(&queue.pull(&ben, client, None).await);
    assert_eq!(bens.len(), 2);
    let decided = queue
        .push(&ben, client, &[mutation(1, &bens[1], "approve")])
        .await;
    assert_eq!(decided["results"][0]["status"], "applied", "{decided}");
    let undecided = if bens[1]["item"]["external_id"] == "c-2" {
        "c-1"
    } else {
        "c-2"
    };
    clock.advance(chrono::Duration::hours(2));

    let health = queue.get("/v1/queue/health", &admin).await;
    assert_eq!(health.status, 200, "{health:?}");
    assert_eq!(time(&health.body["server_time"]), queue.state().now());
    let row = |team: Option<&str>, stage: &str, depth: i64, held: i64, oldest: &str, late: i64| {
        json!({"team": team, "stage": stage, "depth": depth, "held": held,
               "oldest_created_at": created[oldest], "past_due": late})
    };
    assert_eq!(
        health.body["rows"],
        json!([
            row(None, "review", 1, 1, undecided, 0),
            row(Some("editorial"), "review", 1, 0, "d-1", 0),
            row(Some("fraud"), "review", 3, 2, "t-1", 1),
            row(Some("fraud"), "escalation", 1, 0, "t-4", 1),
        ])
    );

    // The same counts as Prometheus gauges (team="" for no team).
    let metrics = queue.metrics().await;
    let gauge = |name: &str, team: &str, stage: &str| -> f64 {
        let prefix = format!("countersign_queue_{name}{{team=\"{team}\",stage=\"{stage}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in {metrics}"))
    };
    let age = |external_id: &str| {
        (time(&health.body["server_time"]) - created[external_id]).num_milliseconds() as f64
            / 1000.0
    };
    assert_eq!(gauge("depth", "fraud", "review"), 3.0);
    assert_eq!(gauge("depth", "", "review"), 1.0);
    assert_eq!(gauge("oldest_age_seconds", "fraud", "review"), age("t-1"));
    assert_eq!(
        gauge("oldest_age_seconds", "fraud", "escalation"),
        age("t-4")
    );
    assert!(
        !metrics.contains("stage=\"second_approval\""),
        "no row, no gauge"
    );
}
