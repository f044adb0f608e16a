//! Prints the sync figures the README quotes:
//! 1. the cold sync of 10,000 assignments, end to end and in its parts, each beside its baseline
//!    (sync/cold.rs);
//! 2. the local commit of one decision (`Store::decide`: the decision in the store and the outbox,
//!    durable), p50/p99 of 1,000, beside a bare durable one-row commit on the same database
//!    (targets: p50 <= 1 ms, p99 <= 5 ms);
//! 3. draining 1,000 offline decisions to the real queue service after reconnecting (target: <= 2 s);
//! 4. one inbox page (what the app's `list_assignments` reads: 100 rows, the filtered total and the
//!    per-stage counts) on a cache of 100,000 assignments, for the first page, deep pages, filters and
//!    each sort order, against reading 100 rows straight off the table in the same run (target: p99
//!    within one 60 Hz frame, 16 ms, so scrolling stays smooth).
//!
//! Run: `cargo bench -p countersign-client --bench sync` (the queue service runs in process).

#[path = "sync/cold.rs"]
mod cold;

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_client::model::{AssignmentStatus, DecisionInput, ListQuery, SortOrder};
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{
    Action, Assignment, ItemId, LeaseId, MutationId, PullResponse, Risk, Stage,
};
use countersign_queue::{Policy, ServeOptions};
use countersign_testkit::{fixtures, load};
use serde_json::json;

const DRAIN_DECISIONS: usize = 1_000;
const INBOX_ROWS: usize = 100_000;
const PAGE_READS: usize = 200;

fn assignment(n: usize) -> Assignment {
    let mut a = fixtures::assignment(ItemId::new_v7(), LeaseId::new_v7(), SystemClock.now());
    a.item.external_id = format!("bench-{n}");
    a.item.title = format!("Card payment EUR {n} at an electronics retailer");
    a.item.payload = json!({"amount_eur": n, "merchant": "electronics", "country": "DE"});
    a.item.ai.model = Some("fraud-gbm-v7".into());
    a.item.ai.output = json!({"verdict": "fraud", "score": 0.62});
    a.item.ai.reasoning = Some("Seven payments in 24 hours from a new device.".into());
    a.item.ai.confidence = 0.62;
    a.item.priority = (n % 100) as i64;
    a.item.due_at = Some(a.item.created_at + chrono::Duration::hours(24));
    a
}

/// A cache-sized mix of kinds, stages, risks and due dates, so that filters and sorts have work to do.
fn varied_assignment(n: usize) -> Assignment {
    let mut a = assignment(n);
    a.item.kind = ["transaction", "content_draft", "clinical_suggestion"][n % 3].into();
    a.item.ai.risk = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical][n % 4];
    a.item.priority = ((n * 37) % 101) as i64;
    a.item.due_at = (!n.is_multiple_of(7))
        .then(|| SystemClock.now() + chrono::Duration::minutes((n % 4320) as i64));
    if n.is_multiple_of(5) {
        a.stage = Stage::Escalation;
    }
    a
}

/// p50 and p99 of `PAGE_READS` runs of `read`.
async fn percentiles<F, Fut>(mut read: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(PAGE_READS);
    for _ in 0..PAGE_READS {
        let started = Instant::now();
        read().await;
        times.push(started.elapsed());
    }
    times.sort();
    (times[PAGE_READS / 2], times[PAGE_READS * 99 / 100])
}

async fn inbox_page_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open store");
    let response = PullResponse {
        cursor: "bench".into(),
        last_mutation_id: MutationId(0),
        server_time: SystemClock.now(),
        assignments: (0..INBOX_ROWS).map(varied_assignment).collect(),
        removed: vec![],
    };
    store
        .apply_pull(
            &response,
            true,
            SystemClock.now(),
            chrono::Duration::hours(1),
        )
        .await
        .expect("fill the cache");
    drop(response);

    // The baseline: 100 rows of the same columns read off the table, no filter, no order, no counts.
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join(countersign_client::store::DATABASE_FILE))
            .read_only(true),
    )
    .await
    .expect("open the cache read-only");
    let (base_p50, base_p99) = percentiles(|| async {
        let rows = sqlx::query(
            "SELECT item_id, kind, title, stage, priority, risk, confidence, due_at, status, \
             status_message, lease_id, lease_epoch, lease_expires_at, removed_reason \
             FROM assignments LIMIT 100",
        )
        .fetch_all(&pool)
        .await
        .expect("baseline read");
        assert_eq!(rows.len(), 100);
    })
    .await;
    println!(
        "inbox page on {INBOX_ROWS} cached assignments (100 rows + filtered total + stage counts), p50 / p99 of {PAGE_READS}; \
         baseline (100 rows read straight off the table): {:.2} / {:.2} ms",
        base_p50.as_secs_f64() * 1000.0,
        base_p99.as_secs_f64() * 1000.0
    );
    let cases = [
        ("first page, by priority", ListQuery::default()),
        (
            "deep page (offset 90,000), by priority",
            ListQuery {
                offset: 90_000,
                ..ListQuery::default()
            },
        ),
        (
            // The farthest from either end: pages past the middle are read from the end.
            "middle page (offset 50,000), by priority",
            ListQuery {
                offset: 50_000,
                ..ListQuery::default()
            },
        ),
        (
            "first page, by due date",
            ListQuery {
                sort: SortOrder::Due,
                ..ListQuery::default()
            },
        ),
        (
            "first page, riskiest first",
            ListQuery {
                sort: SortOrder::Risk,
                ..ListQuery::default()
            },
        ),
        (
            "open transactions in escalation, by due date, offset 2,000",
            ListQuery {
                status: Some(AssignmentStatus::Open),
                kind: Some("transaction".into()),
                stage: Some(Stage::Escalation),
                sort: SortOrder::Due,
                offset: 2_000,
                ..ListQuery::default()
            },
        ),
        (
            "critical risk, by priority, offset 10,000",
            ListQuery {
                risk: Some(Risk::Critical),
                offset: 10_000,
                ..ListQuery::default()
            },
        ),
    ];
    for (label, query) in cases {
        let (p50, p99) = percentiles(|| async {
            let rows = store.list(&query).await.expect("page");
            let total = store.count(&query).await.expect("total");
            store.stage_counts().await.expect("counts");
            assert!(!rows.is_empty() && total > 0, "{label}: an empty page");
        })
        .await;
        println!(
            "  {label}: {:.2} / {:.2} ms ({:.1}x / {:.1}x the baseline)",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            p50.as_secs_f64() / base_p50.as_secs_f64(),
            p99.as_secs_f64() / base_p99.as_secs_f64()
        );
    }
}

const LOCAL_COMMITS: usize = 1_000;

/// p50 and p99 in milliseconds.
fn p50_p99(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
    )
}

async fn local_commit_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open store");
    let response = PullResponse {
        cursor: "bench".into(),
        last_mutation_id: MutationId(0),
        server_time: SystemClock.now(),
        assignments: (0..LOCAL_COMMITS).map(assignment).collect(),
        removed: vec![],
    };
    store
        .apply_pull(
            &response,
            true,
            SystemClock.now(),
            chrono::Duration::hours(1),
        )
        .await
        .expect("fill the cache");
    let mut decide = Vec::with_capacity(LOCAL_COMMITS);
    for held in &response.assignments {
        let started = Instant::now();
        store
            .decide(
                held.item.id,
                &DecisionInput::new(Action::Approve),
                SystemClock.now(),
            )
            .await
            .expect("decide");
        decide.push(started.elapsed());
    }
    // The baseline: what any durable write costs on this database (same file, same pragmas).
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join(countersign_client::store::DATABASE_FILE))
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full),
    )
    .await
    .expect("open the database");
    sqlx::query("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, note TEXT)")
        .execute(&pool)
        .await
        .expect("baseline table");
    let mut bare = Vec::with_capacity(LOCAL_COMMITS);
    for n in 0..LOCAL_COMMITS {
        let started = Instant::now();
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO bench_commit (id, note) VALUES (?, 'approve')")
            .bind(n as i64)
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        bare.push(started.elapsed());
    }
    let (decide_50, decide_99) = p50_p99(decide);
    let (bare_50, bare_99) = p50_p99(bare);
    println!(
        "local commit of a decision (store + outbox, durable), {LOCAL_COMMITS} decisions: p50 {decide_50:.2} ms, \
         p99 {decide_99:.2} ms; bare durable one-row commit: p50 {bare_50:.2} ms, p99 {bare_99:.2} ms \
         (targets: p50 <= 1 ms, p99 <= 5 ms)"
    );
}

async fn drain_figure() -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("queue.db").display());
    let options = |listen: &str| {
        let mut policy = Policy::builtin();
        policy.prefetch = 2000;
        ServeOptions {
            policy,
            listen: listen.to_owned(),
            ..ServeOptions::new(&database)
        }
    };
    let (server, tokens) =
        load::seeded_queue_with(options("127.0.0.1:0"), DRAIN_DECISIONS, 1).await;
    let url = server.url();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open store");
    let engine = SyncEngine::new(
        store.clone(),
        QueueClient::new(&url, Token::new(tokens[0].clone())).expect("client"),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    engine.sync_once().await.expect("cold sync");
    let held = store.list_all(&ListQuery::default()).await.expect("list");
    assert_eq!(held.len(), DRAIN_DECISIONS);

    server.shutdown().await;
    for row in &held {
        store
            .decide(
                row.item_id,
                &DecisionInput::new(Action::Approve),
                SystemClock.now(),
            )
            .await
            .expect("decide offline");
    }
    // Back at the same address, as a restarted service would be.
    let server = countersign_queue::start(options(url.trim_start_matches("http://")))
        .await
        .expect("the queue restarts");
    let started = Instant::now();
    let report = engine.sync_once().await.expect("drain");
    let drained = started.elapsed();
    assert_eq!(report.applied, DRAIN_DECISIONS);
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    server.shutdown().await;
    drained
}

#[tokio::main]
async fn main() {
    cold::cold_sync_figures().await;
    local_commit_figures().await;
    let drained = drain_figure().await;
    println!(
        "drain of {DRAIN_DECISIONS} offline decisions after reconnect (push + pull): {:.0} ms (target: <= 2000 ms)",
        drained.as_secs_f64() * 1000.0
    );
    inbox_page_figures().await;
}
