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

use countersign_queue::{Backend, Db};

const CLIENTS: usize = 64;

/// 64 reviewers pull, decide everything they hold in one push, and pull again, for `duration`,
/// spread over `replicas` queue services on the one database. On PostgreSQL, `locks` samples
/// what the database's backends wait for meanwhile.
async fn queue_decisions_per_second(
    database_url: &str,
    replicas: usize,
    duration: Duration,
) -> (common::Measured, Option<LockWaits>) {
    // Enough for 4,000 decisions/s with every client holding a full prefetch at the end.
    let items = CLIENTS * 50 + 4000 * duration.as_secs() as usize;
    let (server, tokens) = common::seeded_queue(database_url, items, CLIENTS).await;
    let mut others = Vec::new();
    for _ in 1..replicas {
        let options = countersign_queue::ServeOptions::new(database_url);
        others.push(countersign_queue::start(options).await.expect("replica"));
    }
    let urls: Vec<String> = std::iter::once(server.url())
        .chain(others.iter().map(|replica| replica.url()))
        .collect();
    let sampler = (server.state.db.backend == Backend::Postgres)
        .then(|| tokio::spawn(sample_lock_waits(database_url.to_owned(), duration)));
    let measured = common::run_reviewers(&urls, tokens, 50, duration, Default::default()).await;
    let waits = match sampler {
        Some(sampler) => Some(sampler.await.expect("sampler")),
        None => None,
    };
    for replica in others {
        replica.shutdown().await;
    }
    server.shutdown().await;
    assert_eq!(measured.errors, 0, "every decision applies");
    (measured, waits)
}

/// What the database's backends waited for, sampled every 100 ms from `pg_stat_activity` and
/// `pg_locks` while the reviewers ran.
#[derive(Default)]
struct LockWaits {
    samples: u64,
    /// Backends of this database waiting for a lock (`wait_event_type = 'Lock'`), summed over samples.
    waiting: u64,
    /// Of those, backends waiting for a row of the audit chain's head table.
    on_audit_head: u64,
    /// Backends of this database running a statement, summed over samples.
    active: u64,
}

impl LockWaits {
    fn describe(&self) -> String {
        let per_sample = |sum: u64| sum as f64 / self.samples.max(1) as f64;
        format!(
            "{:.1} of {:.1} active backends waiting for a lock on average, {:.1} of them for the audit head ({} samples)",
            per_sample(self.waiting),
            per_sample(self.active),
            per_sample(self.on_audit_head),
            self.samples
        )
    }
}

/// Samples on a connection of its own, so that it never waits behind the services' pools.
async fn sample_lock_waits(database_url: String, duration: Duration) -> LockWaits {
    let db = Db::open(&database_url).await.expect("sampler connection");
    let mut waits = LockWaits::default();
    let until = Instant::now() + duration;
    // A backend waiting for a row another transaction holds waits for a `transactionid` lock
    // while it holds (or queues for) a `tuple` lock on the row's table.
    let sql = "SELECT \
         (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
            AND wait_event_type = 'Lock') AS waiting, \
         (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
            AND state = 'active' AND pid <> pg_backend_pid()) AS active, \
         (SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
            WHERE c.relname = 'audit_head' AND l.locktype = 'tuple') AS on_audit_head";
    while Instant::now() < until {
        let row = sqlx::query(sql).fetch_one(&db.pool).await.expect("sample");
        let count = |name: &str| sqlx::Row::get::<i64, _>(&row, name) as u64;
        waits.samples += 1;
        waits.waiting += count("waiting");
        waits.active += count("active");
        waits.on_audit_head += count("on_audit_head");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    db.pool.close().await;
    waits
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
    let (mut sqlite, _) = queue_decisions_per_second(&sqlite_url, 1, duration).await;
    report("sqlite", &mut sqlite);

    let Ok(base) = std::env::var("COUNTERSIGN_TEST_POSTGRES_URL") else {
        println!(
            "  postgres:   not measured: set COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh)"
        );
        return;
    };
    let fresh_database = || {
        format!(
            "{}/cs_bench_{}",
            base.trim_end_matches('/'),
            uuid::Uuid::now_v7().simple()
        )
    };
    let (mut postgres, waits) = queue_decisions_per_second(&fresh_database(), 1, duration).await;
    report("postgres", &mut postgres);
    if let Some(waits) = waits {
        println!("            {}", waits.describe());
    }
    let (mut two, two_waits) = queue_decisions_per_second(&fresh_database(), 2, duration).await;
    report("postgres, two replicas", &mut two);
    if let Some(waits) = two_waits {
        println!("            {}", waits.describe());
    }
    let bare = bare_skip_locked_per_second(&base, duration).await;
    println!("  bare SKIP LOCKED claim+update loop on the same PostgreSQL: {bare:>8.0} rows/s");
    println!(
        "  ratio postgres queue / bare loop: {:.2}; two replicas / one: {:.2}",
        postgres.rate() / bare,
        two.rate() / postgres.rate()
    );
    println!(
        "  ratio sqlite queue / bare loop:   {:.2}",
        sqlite.rate() / bare
    );
}
