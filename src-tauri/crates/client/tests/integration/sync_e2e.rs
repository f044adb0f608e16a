//! The desktop core against the real queue service (countersign-testkit's QueueProcess runs it).

use std::time::{Duration, Instant};

use crate::support::Reviewer;
use countersign_testkit::{Backend, QueueProcess, fixtures, on_both_backends};
use serde_json::Value;

fn decisions_on(item: &Value) -> usize {
    item["decisions"].as_array().map_or(0, Vec::len)
}

fn item_ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|row| row["item_id"].as_str().expect("item_id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_sync_fills_the_inbox() {
    let queue = QueueProcess::start(None).await;
    for n in 0..5 {
        queue.submit(&format!("cold-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let rows = alice.list().await;
    assert_eq!(rows.len(), 5);
    for row in &rows {
        for field in [
            "item_id",
            "kind",
            "title",
            "stage",
            "priority",
            "risk",
            "confidence",
            "due_at",
            "status",
        ] {
            assert!(row.get(field).is_some(), "list row lacks {field}: {row}");
        }
        assert_eq!(row["status"], "open");
    }
    let shown = alice
        .json(&["show", rows[0]["item_id"].as_str().expect("id"), "--json"])
        .await;
    assert_eq!(shown["item_id"], rows[0]["item_id"]);
    assert_eq!(shown["item"]["id"], rows[0]["item_id"]);
    let status = alice.json(&["status", "--json"]).await;
    assert_eq!(status["online"], true);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["conflicts"], 0);
    assert!(status["last_sync"].is_string());
    assert!(status["notifications"]["state"].is_string());
}

on_both_backends!(worker_threads = 2; offline_decisions_are_uploaded_exactly_once_after_the_server_returns);

async fn offline_decisions_are_uploaded_exactly_once_after_the_server_returns(backend: Backend) {
    let mut queue = QueueProcess::start_on(backend, None).await;
    for n in 0..3 {
        queue.submit(&format!("offline-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let ids = item_ids(&alice.list().await);

    queue.stop().await;
    let correction = alice.data_dir().join("correction.json");
    std::fs::write(&correction, r#"{"verdict": "legitimate"}"#).expect("write correction");
    alice.ok(&["decide", &ids[0], "approve"]).await;
    alice
        .ok(&[
            "decide",
            &ids[1],
            "reject",
            "--reason",
            "card_testing",
            "--note",
            "velocity",
        ])
        .await;
    alice
        .ok(&[
            "decide",
            &ids[2],
            "approve-with-edits",
            "--correction-file",
            correction.to_str().expect("utf-8 path"),
            "--rationale",
            "the cardholder confirmed it",
            "--tag",
            "confirmed",
            "--tag",
            "phone",
        ])
        .await;
    let refused = alice
        .run(&["decide", &ids[0], "reject", "--reason", "x"])
        .await;
    assert!(
        !refused.status.success(),
        "a second decision on one item must be refused"
    );

    let started = Instant::now();
    let offline = alice.run(&["sync"]).await;
    assert!(
        !offline.status.success(),
        "sync must fail while the server is down"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let status = alice.json(&["status", "--json"]).await;
    assert_eq!(status["online"], false);
    assert_eq!(status["pending"], 3);

    queue.restart().await;
    alice.ok(&["sync"]).await;
    alice.ok(&["sync"]).await;
    for id in &ids {
        assert_eq!(decisions_on(&queue.item(id).await), 1, "item {id}");
        assert_eq!(alice.status_of(id).await.as_deref(), Some("uploaded"));
    }
    let rejected = queue.item(&ids[1]).await;
    assert_eq!(rejected["decisions"][0]["reason_code"], "card_testing");
    let edited = queue.item(&ids[2]).await;
    assert_eq!(
        edited["decisions"][0]["correction"]["verdict"],
        "legitimate"
    );
    // The whole correction went up with the patch that makes it, the rationale and the tags.
    let patch = edited["decisions"][0]["patch"].as_array().expect("a patch");
    assert!(
        patch.contains(
            &serde_json::json!({"op": "replace", "path": "/verdict", "value": "legitimate"})
        ),
        "{patch:?}"
    );
    assert_eq!(
        edited["decisions"][0]["rationale"],
        "the cardholder confirmed it"
    );
    assert_eq!(
        edited["decisions"][0]["tags"],
        serde_json::json!(["confirmed", "phone"])
    );
    assert_eq!(alice.json(&["status", "--json"]).await["pending"], 0);
}

on_both_backends!(worker_threads = 2; a_push_whose_response_is_lost_is_not_applied_twice);

async fn a_push_whose_response_is_lost_is_not_applied_twice(backend: Backend) {
    let queue = QueueProcess::start_on(backend, None).await;
    for n in 0..2 {
        queue.submit(&format!("lost-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let ids = item_ids(&alice.list().await);
    for id in &ids {
        alice.ok(&["decide", id, "approve"]).await;
    }

    queue.proxy.lose_next_push_response(true);
    let cut = alice.run(&["sync"]).await;
    assert!(!cut.status.success(), "the cut connection must be reported");
    for id in &ids {
        assert_eq!(
            decisions_on(&queue.item(id).await),
            1,
            "the server applied it once"
        );
        assert_eq!(alice.status_of(id).await.as_deref(), Some("decided"));
    }
    assert_eq!(alice.json(&["status", "--json"]).await["pending"], 2);

    // The resend carries the same ids; the server replays its stored results.
    alice.ok(&["sync"]).await;
    for id in &ids {
        assert_eq!(
            decisions_on(&queue.item(id).await),
            1,
            "applied exactly once"
        );
        assert_eq!(alice.status_of(id).await.as_deref(), Some("uploaded"));
    }
    let status = alice.json(&["status", "--json"]).await;
    assert_eq!(status["pending"], 0);
    assert_eq!(status["last_acknowledged_mutation_id"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_before_upload_sends_nothing_for_the_undone_decision() {
    let queue = QueueProcess::start(None).await;
    for n in 0..2 {
        queue.submit(&format!("undo-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let ids = item_ids(&alice.list().await);
    alice.ok(&["decide", &ids[0], "approve"]).await;
    alice.ok(&["undo", &ids[0]]).await;
    alice
        .ok(&["decide", &ids[1], "reject", "--reason", "duplicate"])
        .await;
    alice.ok(&["sync"]).await;

    assert_eq!(decisions_on(&queue.item(&ids[0]).await), 0);
    assert_eq!(decisions_on(&queue.item(&ids[1]).await), 1);
    assert_eq!(alice.status_of(&ids[0]).await.as_deref(), Some("open"));
    assert_eq!(alice.status_of(&ids[1]).await.as_deref(), Some("uploaded"));
    // An uploaded decision can no longer be undone.
    assert!(!alice.run(&["undo", &ids[1]]).await.status.success());
}

// Alice's leases lapse while she works offline; Bob gets the items under a newer epoch and decides
// one. Alice's decision on the other is kept as a conflict with both versions; the one decided
// elsewhere, which she had not touched, leaves her inbox.
on_both_backends!(worker_threads = 2; work_taken_over_elsewhere_becomes_a_conflict_or_leaves_the_inbox);

async fn work_taken_over_elsewhere_becomes_a_conflict_or_leaves_the_inbox(backend: Backend) {
    // The queue reclaims lapsed leases in a periodic sweep, and only for a reviewer who pulled lately.
    let queue = QueueProcess::start_on(
        backend,
        Some("lease_seconds = 2\nprefetch = 10\nsweep_interval_seconds = 1\n"),
    )
    .await;
    let untouched = queue.submit("taken-0").await;
    let decided_offline = queue.submit("taken-1").await;
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    let bob = Reviewer::new(&queue, "bob", "reviewer").await;
    alice.ok(&["sync"]).await;
    assert_eq!(alice.list().await.len(), 2);
    let alice_epoch =
        alice.json(&["show", &decided_offline, "--json"]).await["lease_epoch"].clone();

    alice.ok(&["decide", &decided_offline, "approve"]).await;
    bob.ok(&["sync"]).await;
    assert!(bob.list().await.is_empty(), "alice still holds both");
    let deadline = Instant::now() + Duration::from_secs(20);
    while bob.list().await.len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        bob.ok(&["sync"]).await;
    }
    assert_eq!(bob.list().await.len(), 2, "bob got both lapsed items");
    let bob_epoch = bob.json(&["show", &decided_offline, "--json"]).await["lease_epoch"].clone();
    assert!(
        bob_epoch.as_u64() > alice_epoch.as_u64(),
        "{bob_epoch} > {alice_epoch}"
    );
    bob.ok(&["decide", &untouched, "approve"]).await;
    bob.ok(&["sync"]).await;

    alice.ok(&["sync"]).await;
    alice.ok(&["sync"]).await;
    assert_eq!(
        alice.status_of(&untouched).await,
        None,
        "decided elsewhere: taken out"
    );
    assert_eq!(
        alice.status_of(&decided_offline).await.as_deref(),
        Some("conflict")
    );
    let status = alice.json(&["status", "--json"]).await;
    assert_eq!(
        (status["pending"].clone(), status["conflicts"].clone()),
        (0.into(), 1.into())
    );
    let conflicts = alice.json(&["conflicts", "--json"]).await;
    let conflict = &conflicts[0];
    assert_eq!(conflict["item_id"], decided_offline.as_str());
    assert_eq!(conflict["code"], "reassigned");
    assert_eq!(conflict["local_version"]["action"], "approve");
    assert_eq!(conflict["local_version"]["lease_epoch"], alice_epoch);
    assert_eq!(conflict["server_version"]["status"], "conflict");
    assert_eq!(
        decisions_on(&queue.item(&decided_offline).await),
        0,
        "kept only as a late opinion"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_items_leave_the_inbox_and_a_decision_on_one_becomes_a_conflict() {
    let queue = QueueProcess::start(None).await;
    let untouched = queue.submit("cancel-0").await;
    let decided = queue.submit("cancel-1").await;
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    alice.ok(&["decide", &decided, "approve"]).await;
    for id in [&untouched, &decided] {
        queue
            .http(
                "POST",
                &format!("/v1/items/{id}/cancel"),
                &queue.producer,
                None,
            )
            .await;
    }
    alice.ok(&["sync"]).await;
    assert_eq!(alice.status_of(&untouched).await, None);
    assert_eq!(alice.status_of(&decided).await.as_deref(), Some("conflict"));
    let conflicts = alice.json(&["conflicts", "--json"]).await;
    assert_eq!(conflicts[0]["code"], "cancelled");
}

/// With `sync --watch` running, work the server announces on the events stream arrives at once, long
/// before the periodic pull.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_pulls_at_once_when_the_server_announces_work() {
    let queue = QueueProcess::start(None).await;
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let mut watch = alice
        .command(&["sync", "--watch"])
        .spawn()
        .expect("start sync --watch");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let id = queue.submit("announced-0").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while alice.status_of(&id).await.is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    watch.start_kill().expect("stop watch");
    let _ = watch.wait().await;
    assert_eq!(alice.status_of(&id).await.as_deref(), Some("open"));
}

/// Several processes syncing one data directory at once resend each other's in-flight mutations under
/// the same ids; the server applies each once and every process succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_syncs_on_one_data_directory_apply_each_decision_once() {
    let queue = QueueProcess::start(Some("prefetch = 100\n")).await;
    for n in 0..30 {
        queue.submit(&format!("concurrent-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let ids = item_ids(&alice.list().await);
    for id in &ids {
        alice.ok(&["decide", id, "approve"]).await;
    }
    let syncs: Vec<_> = (0..3).map(|_| alice.command(&["sync"]).output()).collect();
    for output in futures::future::join_all(syncs).await {
        let output = output.expect("run sync");
        assert!(
            output.status.success(),
            "a concurrent sync failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for id in &ids {
        assert_eq!(decisions_on(&queue.item(id).await), 1, "item {id}");
        assert_eq!(alice.status_of(id).await.as_deref(), Some("uploaded"));
    }
}

/// A full inbox (the default prefetch target, 50) of the largest items the queue accepts (bodies just
/// under its 1 MiB limit) arrives in one pull: the desktop's answer-size limit must not lock a reviewer
/// out of work the queue gave them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_inbox_of_the_largest_items_syncs() {
    let queue = QueueProcess::start(None).await;
    let filler = "x".repeat(1_000_000);
    for n in 0..50 {
        let mut large = fixtures::item(&format!("large-{n}"), "content_draft", 0.7, "medium");
        large["payload"] = serde_json::json!({"body": filler});
        queue.submit_with(large).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    assert_eq!(alice.list().await.len(), 50);
}
