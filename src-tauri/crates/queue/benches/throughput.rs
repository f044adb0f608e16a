//! Decisions per second with 64 concurrent reviewer clients doing pull + push over HTTP, on
//! SQLite and on PostgreSQL, against a bare `FOR UPDATE SKIP LOCKED` claim-and-update loop on
//! the same PostgreSQL as the ceiling. Prints figures; asserts nothing about speed.
//!
//!   COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh) cargo bench -p countersign-queue
//!
//! BENCH_SECONDS (default 10) sets how long each measurement runs.

use countersign_testkit::load as common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use countersign_queue::Db;

const CLIENTS: usize = 64;

/// 64 reviewers pull, decide everything they hold in one push, and pull again, for `duration`.
async fn queue_decisions_per_second(database_url: &str, duration: Duration) -> common::Measured {
    // Enough for 4,000 decisions/s with every client holding a full prefetch at the end.
    let items = CLIENTS * 50 + 4000 * duration.as_secs() as usize;
    let (server, tokens) = common::seeded_queue(database_url, items, CLIENTS).await;
    let measured =
        common::run_reviewers(&server.url(), tokens, 50, duration, Default::default()).await;
    server.shutdown().await;
    assert_eq!(measured.errors, 0, "every decision applies");
    measured
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

fn report(store: &str, measured: &mut common::Measured) {
    println!(
        "  {store:<9} {:>8.0} decisions/s ({} decisions; pull p50 {:.0} ms p99 {:.0} ms; push p50 {:.0} ms p99 {:.0} ms)",
        measured.rate(),
        measured.decisions,
        common::quantile_ms(&mut measured.pull_latencies, 0.5),
        common::quantile_ms(&mut measured.pull_latencies, 0.99),
        common::quantile_ms(&mut measured.push_latencies, 0.5),
        common::quantile_ms(&mut measured.push_latencies, 0.99),
    );
}

#[tokio::main]
async fn main() {
    let duration = common::seconds(10);
    println!(
        "queue throughput: {CLIENTS} reviewer clients, pull + push over HTTP, {}s each",
        duration.as_secs()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite_url = format!("sqlite://{}/bench.db", dir.path().display());
    let mut sqlite = queue_decisions_per_second(&sqlite_url, duration).await;
    report("sqlite", &mut sqlite);

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
    let mut postgres = queue_decisions_per_second(&pg_url, duration).await;
    report("postgres", &mut postgres);
    let bare = bare_skip_locked_per_second(&base, duration).await;
    println!("  bare SKIP LOCKED claim+update loop on the same PostgreSQL: {bare:>8.0} rows/s");
    println!(
        "  ratio postgres queue / bare loop: {:.2}",
        postgres.rate() / bare
    );
    println!(
        "  ratio sqlite queue / bare loop:   {:.2}",
        sqlite.rate() / bare
    );
}
