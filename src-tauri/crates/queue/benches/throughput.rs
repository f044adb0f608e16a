//! Decisions per second with 64 concurrent reviewer clients doing pull + push over HTTP, on
//! SQLite and on PostgreSQL, against a bare `FOR UPDATE SKIP LOCKED` claim-and-update loop on
//! the same PostgreSQL as the ceiling. Prints figures; asserts nothing about speed.
//!
//!   COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh) cargo bench -p countersign-queue
//!
//! BENCH_SECONDS (default 10) sets how long each measurement runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use countersign_domain::{
    Action, DecisionId, Mutation, MutationId, NewItem, PullResponse, PushResponse, Role,
};
use countersign_queue::{Db, ServeOptions};
use serde_json::json;

const CLIENTS: usize = 64;

fn seconds() -> Duration {
    let seconds = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(10);
    Duration::from_secs(seconds)
}

fn review_item(n: usize) -> NewItem {
    serde_json::from_value(json!({
        "external_id": format!("bench-{n}"),
        "kind": "transaction",
        "title": format!("Card payment EUR {}.00 at an electronics retailer", 100 + n % 900),
        "payload": {"amount": 100 + n % 900, "currency": "EUR", "merchant": "Voltmart", "country": "PT"},
        "ai": {"model": "fraud-gbm-v7", "output": {"verdict": "step_up", "score": 0.61},
               "reasoning": "Velocity above the customer's usual pattern.",
               "confidence": 0.8, "risk": "medium",
               "signals": [{"name": "velocity_24h", "value": 7, "weight": 0.31}]},
        "priority": (n % 100) as i64,
    }))
    .expect("bench item")
}

/// Seeds items straight through the library (seeding is not what is measured).
async fn seed(state: &countersign_queue::AppState, count: usize) {
    countersign_queue::auth::add_user(&state.db, "bench-producer", Role::Producer, state.now())
        .await
        .expect("producer");
    let items: Vec<NewItem> = (0..count).map(review_item).collect();
    for batch in items.chunks(1000) {
        countersign_queue::items::submit_all(state, "bench-producer", batch)
            .await
            .expect("submit");
    }
}

/// 64 reviewers pull, decide everything they hold in one push, and pull again, for `duration`.
async fn queue_decisions_per_second(database_url: &str, duration: Duration) -> (f64, u64) {
    let server = countersign_queue::start(ServeOptions::new(database_url))
        .await
        .expect("server");
    // Enough for 4,000 decisions/s with every client holding a full prefetch at the end.
    let target = CLIENTS * 50 + 4000 * duration.as_secs() as usize;
    eprintln!("  seeding {target} items…");
    seed(&server.state, target).await;
    let mut tokens = Vec::new();
    for n in 0..CLIENTS {
        let token = countersign_queue::auth::add_user(
            &server.state.db,
            &format!("reviewer{n}"),
            Role::Reviewer,
            server.state.now(),
        )
        .await
        .expect("reviewer");
        tokens.push(token);
    }
    let url = server.url();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let decided = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for token in tokens {
        let (http, url, decided, stop) = (http.clone(), url.clone(), decided.clone(), stop.clone());
        workers.spawn(async move {
            let client_id = countersign_domain::ClientId::new_v7();
            let mut next_id = 1u64;
            let mut cursor: Option<String> = None;
            while !stop.load(Ordering::Relaxed) {
                let pull: PullResponse = http
                    .post(format!("{url}/v1/sync/pull"))
                    .bearer_auth(&token)
                    .json(&json!({"client_id": client_id, "cursor": cursor}))
                    .send()
                    .await
                    .expect("pull")
                    .json()
                    .await
                    .expect("pull body");
                cursor = Some(pull.cursor);
                if pull.assignments.is_empty() {
                    break;
                }
                let mutations: Vec<Mutation> = pull
                    .assignments
                    .iter()
                    .map(|assignment| {
                        let mutation = Mutation {
                            id: MutationId(next_id),
                            decision_id: DecisionId::new_v7(),
                            item_id: assignment.item.id,
                            lease_id: assignment.lease.id,
                            lease_epoch: assignment.lease.epoch,
                            action: Action::Approve,
                            correction: None,
                            reason_code: None,
                            note: None,
                            attestation: None,
                            client_time: None,
                        };
                        next_id += 1;
                        mutation
                    })
                    .collect();
                let push: PushResponse = http
                    .post(format!("{url}/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&json!({"client_id": client_id, "mutations": mutations}))
                    .send()
                    .await
                    .expect("push")
                    .json()
                    .await
                    .expect("push body");
                let applied = push
                    .results
                    .iter()
                    .filter(|result| result.status == countersign_domain::MutationStatus::Applied)
                    .count();
                assert_eq!(applied, mutations.len(), "every decision applies");
                decided.fetch_add(applied as u64, Ordering::Relaxed);
            }
        });
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let counted = decided.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    while workers.join_next().await.is_some() {}
    server.shutdown().await;
    (counted as f64 / elapsed.as_secs_f64(), counted)
}

/// The ceiling: the same claim-and-update shape with no protocol, no audit, no HTTP.
async fn bare_skip_locked_per_second(base_url: &str, duration: Duration) -> f64 {
    let url = format!(
        "{}/cs_bench_bare_{}",
        base_url.trim_end_matches('/'),
        uuid::Uuid::now_v7().simple()
    );
    let db = Db::open(&url).await.expect("bare database");
    let pool = db.pool.clone();
    sqlx::query("CREATE TABLE bare_items (id BIGINT PRIMARY KEY, priority BIGINT NOT NULL, status TEXT NOT NULL, holder TEXT)")
        .execute(&pool)
        .await
        .expect("create");
    sqlx::query("CREATE INDEX bare_pending ON bare_items (priority DESC) WHERE status = 'pending'")
        .execute(&pool)
        .await
        .expect("index");
    let rows = 400_000i64;
    sqlx::query("INSERT INTO bare_items SELECT n, n % 100, 'pending', NULL FROM generate_series(1, $1) AS n")
        .bind(rows)
        .execute(&pool)
        .await
        .expect("fill");
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..CLIENTS {
        let (pool, done, stop) = (pool.clone(), done.clone(), stop.clone());
        workers.spawn(async move {
            let holder = format!("w{worker}");
            while !stop.load(Ordering::Relaxed) {
                let mut tx = pool.begin().await.expect("begin");
                let row = sqlx::query(
                    "SELECT id FROM bare_items WHERE status = 'pending' ORDER BY priority DESC \
                     LIMIT 1 FOR UPDATE SKIP LOCKED",
                )
                .fetch_optional(&mut *tx)
                .await
                .expect("claim");
                let Some(row) = row else { break };
                let id: i64 = sqlx::Row::get(&row, "id");
                sqlx::query("UPDATE bare_items SET status = 'done', holder = $1 WHERE id = $2")
                    .bind(&holder)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .expect("update");
                tx.commit().await.expect("commit");
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let counted = done.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    while workers.join_next().await.is_some() {}
    pool.close().await;
    counted as f64 / elapsed.as_secs_f64()
}

#[tokio::main]
async fn main() {
    let duration = seconds();
    println!(
        "queue throughput: {CLIENTS} reviewer clients, pull + push over HTTP, {}s each",
        duration.as_secs()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite_url = format!("sqlite://{}/bench.db", dir.path().display());
    let (sqlite_rate, sqlite_count) = queue_decisions_per_second(&sqlite_url, duration).await;
    println!("  sqlite:     {sqlite_rate:>8.0} decisions/s ({sqlite_count} decisions)");

    let Ok(base) = std::env::var("COUNTERSIGN_TEST_POSTGRES_URL") else {
        println!(
            "  postgres:   not measured: set COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh)"
        );
        return;
    };
    let pg_url = format!(
        "{}/cs_bench_{}",
        base.trim_end_matches('/'),
        uuid::Uuid::now_v7().simple()
    );
    let (pg_rate, pg_count) = queue_decisions_per_second(&pg_url, duration).await;
    println!("  postgres:   {pg_rate:>8.0} decisions/s ({pg_count} decisions)");
    let bare = bare_skip_locked_per_second(&base, duration).await;
    println!("  bare SKIP LOCKED claim+update loop on the same PostgreSQL: {bare:>8.0} rows/s");
    println!("  ratio postgres queue / bare loop: {:.2}", pg_rate / bare);
    println!(
        "  ratio sqlite queue / bare loop:   {:.2}",
        sqlite_rate / bare
    );
}
