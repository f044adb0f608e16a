//! The audit log's recording and sealing (docs/protocol.md, "Recording and sealing"): changes made
//! at once through two services on one database, with both sealing as they go, end up chained
//! once each, gapless, in each item's order; sealing never covers up a removed entry; and the
//! background sealer does not wait for a head another process holds.

use std::collections::HashMap;

use countersign_domain::Role;
use countersign_testkit::fixtures::{assert_all_applied, assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::Value;
use uuid::Uuid;

on_both_backends!(
    two_services_seal_every_change_once_in_order,
    sealing_does_not_cover_a_removed_entry,
    the_sealer_counts_what_it_chains,
);

const REVIEWERS: usize = 4;
const ITEMS_EACH: usize = 6;

async fn two_services_seal_every_change_once_in_order(backend: Backend) {
    let db = TestDb::new(backend);
    let first = Queue::start(&db, QueueOptions::default()).await;
    let second = Queue::start(&db, QueueOptions::default()).await;
    let producer = first.user("bot", Role::Producer).await;
    for n in 0..REVIEWERS * ITEMS_EACH {
        let service = if n % 2 == 0 { &first } else { &second };
        service
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.8, "medium"),
            )
            .await;
    }
    let mut reviewers = Vec::new();
    for n in 0..REVIEWERS {
        reviewers.push(first.user(&format!("rev{n}"), Role::Reviewer).await);
    }

    // Each reviewer pulls and decides through one service while both services seal.
    let work = reviewers.iter().enumerate().map(|(n, token)| {
        let service = if n % 2 == 0 { &first } else { &second };
        async move {
            let client = Uuid::now_v7();
            let mut decided = 0;
            loop {
                let held = assignments(&service.pull(token, client, None).await);
                if held.is_empty() {
                    return decided;
                }
                for assignment in held {
                    decided += 1;
                    let pushed = service
                        .push(
                            token,
                            client,
                            &[mutation(decided as u64, &assignment, "approve")],
                        )
                        .await;
                    assert_all_applied(&pushed, 1);
                    service.seal_audit().await;
                }
            }
        }
    });
    let decided: usize = futures::future::join_all(work).await.into_iter().sum();
    assert_eq!(decided, REVIEWERS * ITEMS_EACH, "every item decided once");

    let total = countersign_queue::audit::verify(&second.state().db)
        .await
        .expect("verify runs")
        .expect("the chain verifies");
    assert_eq!(second.count("SELECT COUNT(*) FROM audit_pending").await, 0);
    assert_eq!(second.count("SELECT COUNT(*) FROM audit_log").await, total);
    assert_eq!(second.count("SELECT MAX(seq) FROM audit_log").await, total);

    // Every item's story is whole and in the order of its changes.
    let admin = first.user("root", Role::Admin).await;
    let log = first.get("/v1/audit?limit=10000", &admin).await;
    let entries = log.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len() as i64, total);
    let mut stories: HashMap<&str, Vec<&str>> = HashMap::new();
    for entry in entries {
        if let (Some(item_id), Some(action)) = (entry["item_id"].as_str(), entry["action"].as_str())
        {
            stories.entry(item_id).or_default().push(action);
        }
    }
    assert_eq!(stories.len(), REVIEWERS * ITEMS_EACH);
    for (item_id, story) in &stories {
        let core: Vec<&str> = story
            .iter()
            .copied()
            .filter(|action| ["submit", "route", "assign", "decide"].contains(action))
            .collect();
        assert_eq!(
            core,
            ["submit", "route", "assign", "decide"],
            "item {item_id}: {story:?}"
        );
    }
}

/// A queue (and the database it keeps, dropped with it) holding one submitted item, and its
/// producer's token.
async fn queue_with_an_item(backend: Backend) -> (TestDb, Queue, String) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.8, "medium"))
        .await;
    (db, queue, producer)
}

async fn sealing_does_not_cover_a_removed_entry(backend: Backend) {
    let (_db, queue, producer) = queue_with_an_item(backend).await;
    let state = queue.state();
    let total = countersign_queue::audit::verify(&state.db)
        .await
        .expect("verify runs")
        .expect("an untouched chain verifies");

    // The newest sealed entry goes, then another change is recorded and sealed after it.
    queue
        .execute(&format!("DELETE FROM audit_log WHERE seq = {total}"))
        .await;
    queue
        .submit(&producer, &item("t-2", "transaction", 0.8, "medium"))
        .await;
    let broken = countersign_queue::audit::verify(&state.db)
        .await
        .expect("verify runs")
        .expect_err("the removed entry is noticed");
    assert!(
        broken.to_string().contains(&format!("entry {total}")),
        "{broken}"
    );
    let log: Vec<Value> = queue
        .get(
            "/v1/audit?limit=10000",
            &queue.user("root", Role::Admin).await,
        )
        .await
        .body["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        log.iter().all(|entry| entry["seq"] != total),
        "the removed entry stays removed"
    );
}

/// While another process holds the head, a round of the background sealer leaves it to that
/// process instead of holding a connection waiting for it; once the head is free the next round
/// chains what was recorded meanwhile. PostgreSQL only: SQLite has one writer at a time anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_round_leaves_a_held_head_to_its_holder() {
    let (_db, queue, producer) = queue_with_an_item(Backend::Postgres).await;
    let pool = &queue.state().db.pool;
    queue.seal_audit().await;
    let mut holder = pool.begin().await.expect("begin");
    sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        .execute(&mut *holder)
        .await
        .expect("hold the head");
    queue
        .submit(&producer, &item("t-2", "transaction", 0.8, "medium"))
        .await;
    // Several rounds (every 100 ms) find the head held.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .fetch_one(pool)
    .await
    .expect("count waiting backends");
    assert_eq!(waiting, 0, "no sealer waits for the held head");
    let pending = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_pending")
            .fetch_one(pool)
            .await
            .expect("count pending")
    };
    assert!(pending().await > 0, "the submission waits to be chained");

    holder.rollback().await.expect("release the head");
    // The sealer's schedule decides when this holds; the timeout only ends a test that would
    // otherwise hang if it never did.
    tokio::time::timeout(std::time::Duration::from_secs(120), async {
        while pending().await > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a later round chained what was recorded while the head was held");
    assert!(
        countersign_queue::audit::verify(&queue.state().db)
            .await
            .expect("verify runs")
            .is_ok(),
        "the chain verifies"
    );
}

/// The value of the unlabelled series `name` in a `/metrics` text.
fn series(metrics: &str, name: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (series, value) = line.split_once(' ')?;
        (series == name).then(|| value.parse().ok())?
    })
}

async fn the_sealer_counts_what_it_chains(backend: Backend) {
    let (_db, queue, _) = queue_with_an_item(backend).await;
    // Nothing reads the log here (the raw counts below do not seal): only the background sealer
    // chains, within its interval.
    let pool = &queue.state().db.pool;
    let raw_count = |table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .expect("count")
    };
    // The sealer's schedule decides when this holds; the timeout only ends a test that would
    // otherwise hang if it never did.
    let settled = async {
        loop {
            let pending = raw_count("audit_pending").await;
            let chained = raw_count("audit_log").await;
            let metrics = queue.metrics().await;
            let counted = series(&metrics, "countersign_queue_audit_sealed_total");
            if pending == 0 && counted == Some(chained as f64) {
                return (chained, metrics);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let (chained, metrics) = tokio::time::timeout(std::time::Duration::from_secs(120), settled)
        .await
        .expect("the sealer chained every entry and counted exactly those");
    assert!(chained >= 2, "submit and route at least: {chained}");
    assert!(
        series(&metrics, "countersign_queue_audit_head_wait_seconds_count").unwrap_or(0.0) >= 1.0,
        "{metrics}"
    );
}
