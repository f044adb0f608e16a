//! Prints the sync figures the README quotes, by section (`main` says how to run a few):
//! 1. `cold`: the cold sync of 10,000 assignments, end to end and in its parts, each beside its
//!    baseline (sync/cold.rs);
//! 2. `commit`: the local commit of one decision (`Store::decide`: the decision in the store and the
//!    outbox, durable), p50/p99 of 1,000, beside a bare durable one-row commit on the same database
//!    (targets: p50 <= 1 ms, p99 <= 5 ms);
//! 3. `drain`: draining 1,000 offline decisions to the real queue service after reconnecting
//!    (target: <= 2 s), end to end and in its parts, each beside its baseline (sync/drain.rs);
//! 4. `cache`: one inbox page (what the app's `list_assignments` reads: 100 rows, the filtered total
//!    and the per-stage counts) on a cache of 100,000 assignments, for the first page, deep pages,
//!    filters and each sort order, against reading 100 rows straight off the table in the same run
//!    (target: p99 within one 60 Hz frame, 16 ms, so scrolling stays smooth; deep pages: <= 3x the
//!    baseline), the deepest walk a page makes past its anchor, and the first deep page after a
//!    change, which shifts its list's anchors by the change (store/anchors.rs); and a search
//!    (`Store::search`, 50 results) on the same cache for a mix of queries a reviewer types (a
//!    merchant's name, common words, a prefix, a phrase, an exclusion, OR, field filters), against the
//!    inbox's first page of the same 50 rows read through its index (target: p99 <= 50 ms);
//! 5. `bulk`: a bulk decision of 500 items (`Store::decide_many`: one transaction, one decision each),
//!    its local commit and its upload to the real queue service (`SyncEngine::upload_now`), beside 500
//!    single decisions (`Store::decide` each) and their upload in the same run.
//!
//! `inbox` runs only the inbox pages of section 4.
//!
//! Run: `cargo bench -p countersign-client --bench sync` (the queue service runs in process).

#[path = "sync/cold.rs"]
mod cold;
#[path = "sync/drain.rs"]
mod drain;

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_client::bulk::BulkDecision;
use countersign_client::model::{AssignmentStatus, DecisionInput, ListQuery, SortOrder};
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::search::IdentifierFields;
use countersign_client::store::{ANCHOR_STRIDE, Store};
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{
    Action, Assignment, ItemId, LeaseId, MutationId, PullResponse, Risk, Stage,
};
use countersign_queue::{Policy, RunningServer, ServeOptions};
use countersign_testkit::{fixtures, load};
use serde_json::json;

const DRAIN_DECISIONS: usize = 1_000;
const INBOX_ROWS: usize = 100_000;
const PAGE_READS: usize = 200;
const BULK_ITEMS: usize = 500;

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

const MERCHANT_WORDS: [&str; 20] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Gringotts",
    "Monarch",
    "Oscorp",
    "Aperture",
    "Duff",
    "Nakatomi",
    "Virtucon",
    "Zorg",
];
const REASONS: [&str; 6] = [
    "Seven payments in 24 hours from a new device.",
    "Velocity spike after a password reset.",
    "Refund requested twice for the same order.",
    "Shipping address differs from the billing country.",
    "Chargeback history on this card.",
    "Amount far above the customer's usual spend.",
];

/// One of 400 merchants, named by two words.
fn merchant(n: usize) -> String {
    let m = n % 400;
    format!(
        "{} {}",
        MERCHANT_WORDS[m % 20],
        MERCHANT_WORDS[(m / 20 + 3) % 20]
    )
}

/// A cache-sized mix of kinds, stages, risks and due dates, so that filters and sorts have work to do,
/// with the text a search looks through: merchants, customers, cards, the AI's reasons.
fn varied_assignment(n: usize) -> Assignment {
    let mut a = assignment(n);
    a.item.kind = ["transaction", "content_draft", "clinical_suggestion"][n % 3].into();
    a.item.title = match n % 3 {
        0 => format!("Card payment EUR {n} at {}", merchant(n)),
        1 => format!("Campaign draft for {}", merchant(n)),
        _ => format!("Medication suggestion for patient P{}", n % 5_000),
    };
    a.item.payload = json!({
        "amount_eur": n,
        "merchant": {"name": merchant(n), "country": "DE"},
        "card": {"last4": format!("{:04}", (n * 7919) % 10_000)},
        "customer": {"id": format!("C{}", n % 20_000)},
    });
    a.item.ai.reasoning = Some(REASONS[n % REASONS.len()].into());
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
async fn percentiles<F, Fut>(read: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    percentiles_after(|| async {}, read).await
}

/// p50 and p99 of `PAGE_READS` runs of `read`, each after an untimed run of `prepare`.
async fn percentiles_after<P, PFut, F, Fut>(mut prepare: P, mut read: F) -> (Duration, Duration)
where
    P: FnMut() -> PFut,
    PFut: std::future::Future<Output = ()>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(PAGE_READS);
    for _ in 0..PAGE_READS {
        prepare().await;
        let started = Instant::now();
        read().await;
        times.push(started.elapsed());
    }
    times.sort();
    (times[PAGE_READS / 2], times[PAGE_READS * 99 / 100])
}

/// The cache of `INBOX_ROWS` varied assignments the inbox and search figures read.
async fn filled_cache() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open store");
    let response = PullResponse {
        cursor: "bench".into(),
        last_mutation_id: MutationId(0),
        server_time: SystemClock.now(),
        assignments: (0..INBOX_ROWS).map(varied_assignment).collect(),
        removed: vec![],
        more: false,
    };
    first_pull(&store, &response).await;
    store.index_stale().await.expect("index the cache");
    (dir, store)
}

async fn inbox_page_figures(dir: &tempfile::TempDir, store: &Store) {
    // The baseline: 100 rows of the same columns read off the table, no filter, no order, no counts.
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join(countersign_client::store::DATABASE_FILE))
            .read_only(true),
    )
    .await
    .expect("open the cache read-only");
    let baseline = || async {
        let rows = sqlx::query(
            "SELECT item_id, kind, title, stage, priority, risk, confidence, due_at, status, \
             status_message, lease_id, lease_epoch, lease_expires_at, removed_reason \
             FROM assignments LIMIT 100",
        )
        .fetch_all(&pool)
        .await
        .expect("baseline read");
        assert_eq!(rows.len(), 100);
    };
    let base = percentiles(baseline).await;
    println!(
        "inbox page on {INBOX_ROWS} cached assignments (100 rows + filtered total + stage counts), p50 / p99 of {PAGE_READS}; \
         baseline (100 rows read straight off the table): {:.2} / {:.2} ms",
        base.0.as_secs_f64() * 1000.0,
        base.1.as_secs_f64() * 1000.0
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
    let print = |label: &str,
                 (p50, p99): (Duration, Duration),
                 (base_p50, base_p99): (Duration, Duration)| {
        println!(
            "  {label}: {:.2} / {:.2} ms ({:.1}x / {:.1}x the baseline)",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            p50.as_secs_f64() / base_p50.as_secs_f64(),
            p99.as_secs_f64() / base_p99.as_secs_f64()
        );
    };
    let page = |query: &ListQuery| {
        let query = query.clone();
        async move {
            let rows = store.list(&query).await.expect("page");
            let total = store.count(&query).await.expect("total");
            store.stage_counts().await.expect("counts");
            assert!(!rows.is_empty() && total > 0, "{query:?}: an empty page");
        }
    };
    for (label, query) in &cases {
        print(label, percentiles(|| page(query)).await, base);
    }
    // The most a page near offset 90,000 walks past its anchor: a page in the last tenth of its list
    // is read from the end (store/anchors.rs), starting `INBOX_ROWS - offset - 100` rows from it, so
    // the offset that starts one row before the next anchor from the end.
    let from_end = INBOX_ROWS as u32 - 100 - 90_000;
    let deepest_walk = ListQuery {
        offset: INBOX_ROWS as u32
            - 100
            - (from_end / ANCHOR_STRIDE * ANCHOR_STRIDE + ANCHOR_STRIDE - 1),
        ..ListQuery::default()
    };
    print(
        &format!(
            "deep page at offset {}, by priority (the longest walk past an anchor, {} rows)",
            deepest_walk.offset,
            ANCHOR_STRIDE - 1
        ),
        percentiles(|| page(&deepest_walk)).await,
        base,
    );
    // After any change that can move a row, each kept list's anchors are moved by it (or read again):
    // one write (untimed, on a connection of its own, as another process's pull or decision would)
    // before each timed read. A write also makes every reader reload the pages it changed, so the
    // baseline is read after the same write.
    let writer = durable_pool(dir.path()).await;
    let bump = sqlx::query_scalar::<_, String>("SELECT item_id FROM assignments LIMIT 1")
        .fetch_one(&writer)
        .await
        .expect("a row to change");
    let change = || async {
        sqlx::query("UPDATE assignments SET priority = (priority + 1) % 101 WHERE item_id = ?")
            .bind(&bump)
            .execute(&writer)
            .await
            .expect("a change");
    };
    let base_after_change = percentiles_after(change, baseline).await;
    println!(
        "  first read after a change to one row; baseline (100 rows read straight off the table, after the same change): {:.2} / {:.2} ms",
        base_after_change.0.as_secs_f64() * 1000.0,
        base_after_change.1.as_secs_f64() * 1000.0
    );
    for (label, query) in cases
        .iter()
        .filter(|(_, query)| query.offset >= ANCHOR_STRIDE)
    {
        print(
            &format!("{label}, first read after a change"),
            percentiles_after(change, || page(query)).await,
            base_after_change,
        );
    }
}

/// Applies `response` to `store` as a first pull (a full snapshot), as a cold sync does.
async fn first_pull(store: &Store, response: &PullResponse) {
    store
        .apply_pull(
            response,
            true,
            SystemClock.now(),
            chrono::Duration::hours(1),
        )
        .await
        .expect("apply the pull");
}

/// A connection pool of its own on the store in `dir`, with the store's durability (WAL, every
/// commit synchronous): for the baselines that write beside the store's own code.
async fn durable_pool(dir: &std::path::Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.join(countersign_client::store::DATABASE_FILE))
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full),
    )
    .await
    .expect("open the store's database")
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
        more: false,
    };
    first_pull(&store, &response).await;
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
    let bare = bare_commits(dir.path(), LOCAL_COMMITS, 1).await;
    let (decide_50, decide_99) = p50_p99(decide);
    let (bare_50, bare_99) = p50_p99(bare);
    println!(
        "local commit of a decision (store + outbox, durable), {LOCAL_COMMITS} decisions: p50 {decide_50:.2} ms, \
         p99 {decide_99:.2} ms; bare durable one-row commit: p50 {bare_50:.2} ms, p99 {bare_99:.2} ms \
         (targets: p50 <= 1 ms, p99 <= 5 ms)"
    );
}

/// `BENCH_RUNS`, the runs of the sections that report a median and spread (5 unless set).
fn bench_runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5usize)
        .max(1)
}

/// Median and spread (min to max) in milliseconds.
fn spread(values: impl Iterator<Item = Duration>) -> (f64, f64, f64) {
    let mut ms: Vec<f64> = values.map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[0], ms[ms.len() - 1])
}

/// Prints one part's median and spread over `runs`; returns the median in milliseconds.
fn print_part<R>(runs: &[R], what: &str, part: fn(&R) -> Duration) -> f64 {
    let (median, low, high) = spread(runs.iter().map(part));
    println!("  {what:<52} median {median:>7.1} ms  (spread {low:.1}-{high:.1})");
    median
}

/// The server's share of an answer: the sum of the `dur` values of its `Server-Timing` header.
fn server_time(answer: &reqwest::Response) -> Duration {
    let header = answer
        .headers()
        .get("server-timing")
        .and_then(|value| value.to_str().ok())
        .expect("a Server-Timing header");
    let millis: f64 = header
        .split(',')
        .filter_map(|metric| {
            metric
                .split(';')
                .find_map(|p| p.trim().strip_prefix("dur="))
        })
        .filter_map(|dur| dur.parse::<f64>().ok())
        .sum();
    Duration::from_secs_f64(millis / 1000.0)
}

/// The baseline of a transfer: `request` sent to a server that does nothing but answer `answer`.
async fn bare_exchange(request: Vec<u8>, answer: Vec<u8>) -> Duration {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let app = axum::Router::new().route(
        "/",
        // The request is read whole, as the queue reads it.
        axum::routing::post(move |_request: axum::body::Bytes| {
            let bytes = answer.clone();
            async move { ([("content-type", "application/json")], bytes) }
        }),
    );
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = countersign_testkit::http_client();
    let started = Instant::now();
    let body = http
        .post(format!("http://{addr}/"))
        .body(request)
        .send()
        .await
        .expect("bare request")
        .bytes()
        .await
        .expect("bare body");
    let took = started.elapsed();
    assert!(!body.is_empty());
    serving.abort();
    took
}

/// The baseline of a durable write: `n` bare commits, each of `rows` one-row inserts and each timed,
/// on the store's database in `dir` (same file, same pragmas), into a table of their own.
async fn bare_commits(dir: &std::path::Path, n: usize, rows: usize) -> Vec<Duration> {
    let pool = durable_pool(dir).await;
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_commit (id INTEGER PRIMARY KEY, note TEXT)")
        .execute(&pool)
        .await
        .expect("baseline table");
    let mut bare = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let mut tx = pool.begin().await.expect("begin");
        for _ in 0..rows {
            sqlx::query("INSERT INTO bench_commit (note) VALUES ('approve')")
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
        bare.push(started.elapsed());
    }
    bare
}

/// The queue service (in process, on SQLite) with `items` submitted, and one reviewer's store and
/// engine holding them all after a cold sync.
struct Holding {
    queue: RunningServer,
    /// Where the queue keeps its database, for a restart.
    database: String,
    prefetch: u32,
    /// The reviewer's token.
    token: String,
    /// The queue's directory and the store's.
    dirs: (tempfile::TempDir, tempfile::TempDir),
    store: Store,
    engine: SyncEngine,
    held: Vec<ItemId>,
}

fn queue_options(database: &str, listen: &str, prefetch: u32) -> ServeOptions {
    let mut policy = Policy::builtin();
    policy.prefetch = prefetch;
    ServeOptions {
        policy,
        listen: listen.to_owned(),
        ..ServeOptions::new(database)
    }
}

async fn reviewer_holding(items: usize) -> Holding {
    let queue_dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", queue_dir.path().join("queue.db").display());
    let prefetch = u32::try_from(items.max(2000)).expect("prefetch fits");
    let (queue, tokens) =
        load::seeded_queue_with(queue_options(&database, "127.0.0.1:0", prefetch), items, 1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open store");
    let engine = SyncEngine::new(
        store.clone(),
        QueueClient::new(&queue.url(), Token::new(tokens[0].clone())).expect("client"),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    engine.sync_once().await.expect("cold sync");
    let held: Vec<ItemId> = store
        .list_all(&ListQuery::default())
        .await
        .expect("list")
        .iter()
        .map(|row| row.item_id)
        .collect();
    assert_eq!(held.len(), items);
    Holding {
        queue,
        database,
        prefetch,
        token: tokens[0].clone(),
        dirs: (queue_dir, dir),
        store,
        engine,
        held,
    }
}

/// `cargo bench -p countersign-client --bench sync -- cold commit drain cache bulk` runs only the
/// sections named (`inbox`: the inbox pages of `cache` alone); none named runs them all.
#[tokio::main]
async fn main() {
    // cargo passes `--bench` to a bench without the test harness: flags are not section names.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let runs = |section: &str| named.is_empty() || named.iter().any(|name| name == section);
    if runs("cold") {
        cold::cold_sync_figures().await;
    }
    if runs("commit") {
        local_commit_figures().await;
    }
    if runs("drain") {
        drain::drain_figures().await;
    }
    if runs("cache") || runs("inbox") {
        let (dir, store) = filled_cache().await;
        inbox_page_figures(&dir, &store).await;
        if runs("cache") {
            search_figures(&store).await;
        }
    }
    if runs("bulk") {
        bulk_figures().await;
    }
}

/// 500 single decisions and their upload, then one bulk decision of 500 and its upload, by one
/// reviewer holding 1,000 items of the real queue service.
async fn bulk_figures() {
    let Holding {
        queue,
        dirs: _dirs,
        store,
        engine,
        held,
        ..
    } = reviewer_holding(2 * BULK_ITEMS).await;
    let (singles, bulk) = held.split_at(BULK_ITEMS);

    let started = Instant::now();
    for id in singles {
        store
            .decide(*id, &DecisionInput::new(Action::Approve), SystemClock.now())
            .await
            .expect("decide");
    }
    let single_commit = started.elapsed();
    let started = Instant::now();
    engine.upload_now().await.expect("upload singles");
    let single_upload = started.elapsed();

    let decision = BulkDecision {
        action: Action::Approve,
        reason_code: None,
        note: None,
    };
    let started = Instant::now();
    let outcome = store
        .decide_many(bulk, &decision, SystemClock.now())
        .await
        .expect("bulk decide");
    let bulk_commit = started.elapsed();
    assert_eq!(outcome.decided.len(), BULK_ITEMS);
    let started = Instant::now();
    let report = engine.upload_now().await.expect("upload bulk");
    let bulk_upload = started.elapsed();
    assert_eq!(report.applied, BULK_ITEMS);
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    queue.shutdown().await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "bulk decision of {BULK_ITEMS} items: local commit {:.0} ms, upload {:.0} ms; baseline, {BULK_ITEMS} \
         single decisions: local commits {:.0} ms, upload {:.0} ms ({:.1}x faster to commit in bulk)",
        ms(bulk_commit),
        ms(bulk_upload),
        ms(single_commit),
        ms(single_upload),
        single_commit.as_secs_f64() / bulk_commit.as_secs_f64()
    );
}

fn identifying_fields() -> IdentifierFields {
    IdentifierFields::from_kinds(&[
        fixtures::kind_with_identifiers(
            "transaction",
            &[
                ("/payload/merchant/name", "merchant"),
                ("/payload/card/last4", "card"),
                ("/payload/customer/id", "customer"),
            ],
        ),
        fixtures::kind_with_identifiers("content_draft", &[("/payload/merchant/name", "brand")]),
    ])
}

/// A label, and the query text of its n-th run.
type SearchCase = (&'static str, fn(usize) -> String);

async fn search_figures(store: &Store) {
    let fields = identifying_fields();
    let page = ListQuery {
        limit: 50,
        ..ListQuery::default()
    };
    let (base_p50, base_p99) = percentiles(|| async {
        assert_eq!(store.list(&page).await.expect("inbox page").len(), 50);
    })
    .await;
    println!(
        "search on {INBOX_ROWS} cached assignments (50 best results, matches marked), p50 / p99 of {PAGE_READS} \
         (target: p99 <= 50 ms); baseline (the inbox's first 50 rows through its index): {:.2} / {:.2} ms",
        base_p50.as_secs_f64() * 1000.0,
        base_p99.as_secs_f64() * 1000.0
    );
    // Each case cycles through values, so no two consecutive queries are the same.
    let cases: [SearchCase; 9] = [
        ("a merchant's word (1 in 20 rows)", |i| {
            MERCHANT_WORDS[i % 20].to_owned()
        }),
        ("a common word (card: 1 in 3 rows)", |_| "card".to_owned()),
        ("two words", |i| {
            format!("refund {}", MERCHANT_WORDS[i % 20])
        }),
        ("a prefix", |i| format!("{}*", &MERCHANT_WORDS[i % 20][..3])),
        ("a phrase", |_| "\"new device\"".to_owned()),
        ("an exclusion", |i| {
            format!("{} -chargeback", MERCHANT_WORDS[i % 20])
        }),
        ("OR", |i| {
            format!(
                "{} OR {}",
                MERCHANT_WORDS[i % 20],
                MERCHANT_WORDS[(i + 7) % 20]
            )
        }),
        ("merchant:\"two words\"", |i| {
            format!("merchant:\"{}\"", merchant(i * 13))
        }),
        ("card: and customer: filters", |i| {
            format!(
                "card:{:04} customer:C{}",
                (i * 3 * 7919) % 10_000,
                (i * 3) % 20_000
            )
        }),
    ];
    let run = |label: String, query: Box<dyn Fn(usize) -> String>| {
        let fields = &fields;
        let page = &page;
        async move {
            let found = Cell::new(0);
            let next = Cell::new(0);
            let (p50, p99) = percentiles(|| {
                next.set(next.get() + 1);
                let text = query(next.get());
                let found = &found;
                async move {
                    let hits = store.search(&text, fields, page).await.expect("search");
                    found.set(found.get() + hits.hits.len());
                }
            })
            .await;
            println!(
                "  {label}: {:.2} / {:.2} ms ({:.1}x / {:.1}x the baseline; {:.0} results a query)",
                p50.as_secs_f64() * 1000.0,
                p99.as_secs_f64() * 1000.0,
                p50.as_secs_f64() / base_p50.as_secs_f64(),
                p99.as_secs_f64() / base_p99.as_secs_f64(),
                found.get() as f64 / PAGE_READS as f64
            );
        }
    };
    run(
        "the whole mix, one query of each kind in turn".to_owned(),
        Box::new(move |i| cases[i % cases.len()].1(i / cases.len())),
    )
    .await;
    for (label, query) in cases {
        run(label.to_owned(), Box::new(query)).await;
    }
}
