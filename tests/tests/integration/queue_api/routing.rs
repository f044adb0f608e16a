//! Routing and handing out work: the default policy, one holder per item, escalations to
//! seniors, four eyes on critical items.

use std::collections::HashSet;
use std::sync::Arc;

use countersign_domain::Role;
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use futures::StreamExt;
use serde_json::json;
use uuid::Uuid;

on_both_backends!(
    default_policy_routes,
    concurrent_pulls_never_share_an_item,
    escalations_go_to_seniors_only,
    four_eyes_needs_a_second_senior,
);

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
            // A clinical suggestion in plain review is read blind first (docs/protocol.md,
            // "Blind first read"); everything else routes as before.
            let blind = kind == "clinical_suggestion" && rule == "default-review";
            let rule = if blind { "clinical-blind-review" } else { rule };
            assert_eq!(body["routing_rule"], rule, "{id} {kind}");
            assert_eq!(body["blind"], blind, "{id} {kind}");
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
