//! Who may do what (the role matrix and tokens), and the audit chain that shows any change.

use countersign_domain::Role;
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

on_both_backends!(roles_and_tokens, audit_chain_detects_any_altered_row,);

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
    // Given new tokens by the table below, so that the four callers keep theirs.
    queue.user("spare", Role::Reviewer).await;

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
        (
            Method::POST,
            "/v1/users/spare/token".into(),
            None,
            &["admin"],
        ),
        (Method::GET, "/v1/queue/health".into(), None, &["admin"]),
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
