//! The cold sync of `COLD_ROWS` assignments, end to end and in its parts, each beside its own
//! baseline, median and spread of `BENCH_RUNS` (default 5) runs against one in-process queue service
//! (SQLite) whose policy lets a reviewer hold them all at once:
//! - server: the pull's transaction (grant and renew) and writing its JSON, from the answer's
//!   `Server-Timing` header (docs/protocol.md, "Pull");
//! - transfer: the rest of the request's time, beside a bare HTTP GET of the same bytes from a
//!   server that only returns them;
//! - decode: `serde_json` of the body into a `PullResponse`;
//! - store write: `Store::apply_pull` into a fresh cache, beside a raw batched insert of the same rows
//!   into an identical fresh cache, the two taking turns at going first; then the search index
//!   (`Store::index_stale`, its own transaction, as the sync engine runs it after a pull);
//! - end to end: a fresh desktop core's first `sync_once` (another fresh reviewer, same size), which
//!   pulls in pages (docs/protocol.md, "Paged pulls"); beside it, when its first page was in the
//!   store and searchable, ready to show.

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Assignment, ClientId, PullRequest, PullResponse};
use countersign_queue::{Policy, RunningServer, ServeOptions};
use countersign_testkit::load;
use sqlx::{QueryBuilder, Sqlite};

pub const COLD_ROWS: usize = 10_000;

/// One run's figures.
struct Run {
    server: Duration,
    transfer: Duration,
    bare_transfer: Duration,
    decode: Duration,
    store_write: Duration,
    index: Duration,
    raw_insert: Duration,
    first_page: Duration,
    end_to_end: Duration,
    pages: usize,
    bytes: usize,
}

pub async fn cold_sync_figures() {
    let runs = super::bench_runs();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut policy = Policy::builtin();
    policy.prefetch = u32::try_from(COLD_ROWS).expect("prefetch fits");
    let options = ServeOptions {
        policy,
        ..ServeOptions::new(format!(
            "sqlite://{}",
            dir.path().join("queue.db").display()
        ))
    };
    let seeding = Instant::now();
    // Two fresh reviewers a run, each taking COLD_ROWS items of their own.
    let (server, tokens) = load::seeded_queue_with(options, 2 * runs * COLD_ROWS, 2 * runs).await;
    println!(
        "cold sync: {runs} runs of {COLD_ROWS} assignments (queue seeded in {:.1} s)",
        seeding.elapsed().as_secs_f64()
    );
    let mut figures = Vec::with_capacity(runs);
    for (number, pair) in tokens.chunks(2).enumerate() {
        figures.push(run(&server, &pair[0], &pair[1], number % 2 == 1).await);
    }
    server.shutdown().await;
    report(&figures);
}

async fn run(queue: &RunningServer, parts_token: &str, engine_token: &str, raw_first: bool) -> Run {
    let url = &queue.url();
    let http = countersign_testkit::http_client();
    let started = Instant::now();
    let answer = http
        .post(format!("{url}/v1/sync/pull"))
        .bearer_auth(parts_token)
        .json(&PullRequest {
            client_id: ClientId::new_v7(),
            cursor: None,
            opened: Vec::new(),
            max_grants: None,
        })
        .send()
        .await
        .expect("pull");
    let server = super::server_time(&answer);
    let body = answer.bytes().await.expect("pull body");
    let received = started.elapsed();

    let decoding = Instant::now();
    let response: PullResponse = serde_json::from_slice(&body).expect("a pull response");
    let decode = decoding.elapsed();
    assert_eq!(
        response.assignments.len(),
        COLD_ROWS,
        "the reviewer holds them all"
    );

    let store_dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(store_dir.path()).await.expect("open store");
    // Whichever of the two writes comes first in a run is the slower (README.md, Benchmarks): they
    // take turns.
    let raw_before = if raw_first {
        Some(raw_insert(&response.assignments).await)
    } else {
        None
    };
    let writing = Instant::now();
    super::first_pull(&store, &response).await;
    let store_write = writing.elapsed();
    let raw_insert = match raw_before {
        Some(raw) => raw,
        None => raw_insert(&response.assignments).await,
    };
    let indexing = Instant::now();
    store.index_stale().await.expect("index for search");
    let index = indexing.elapsed();

    let bare_transfer = super::bare_exchange(b"{}".to_vec(), body.to_vec()).await;

    let engine_dir = tempfile::tempdir().expect("temp dir");
    let engine_store = Store::open(engine_dir.path()).await.expect("open store");
    let engine = SyncEngine::new(
        engine_store.clone(),
        QueueClient::new(url, Token::new(engine_token.to_owned())).expect("client"),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    // The end to end starts on a settled queue: what the parts' pull recorded is sealed first, not
    // while the engine pulls (docs/protocol.md, "Recording and sealing").
    countersign_queue::audit::seal(&queue.state.db)
        .await
        .expect("seal the parts' audit entries");
    let syncing = Instant::now();
    let mut page_ends = Vec::new();
    engine
        .sync_paged(&mut |_| page_ends.push(syncing.elapsed()))
        .await
        .expect("cold sync");
    let end_to_end = syncing.elapsed();
    assert_eq!(
        engine_store.count_assignments().await.expect("count"),
        COLD_ROWS as i64
    );

    Run {
        server,
        transfer: received.saturating_sub(server),
        bare_transfer,
        decode,
        store_write,
        index,
        raw_insert,
        first_page: page_ends.first().copied().unwrap_or(end_to_end),
        end_to_end,
        pages: page_ends.len() + 1,
        bytes: body.len(),
    }
}

/// The baseline of the store write: the same rows, serialised per row as apply_pull must, inserted
/// with multi-row INSERTs in one transaction into an identical fresh store.
async fn raw_insert(assignments: &[Assignment]) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    Store::open(dir.path()).await.expect("create schema");
    let pool = super::durable_pool(dir.path()).await;
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("begin");
    for chunk in assignments.chunks(500) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO assignments (item_id, item_json, kind, title, stage, priority, risk, risk_rank, \
             confidence, due_at, status, lease_id, lease_epoch, lease_expires_at, pulled_at) ",
        );
        insert.push_values(chunk, |mut row, a| {
            row.push_bind(a.item.id.to_string())
                .push_bind(serde_json::to_string(&a.item).unwrap_or_default())
                .push_bind(a.item.kind.clone())
                .push_bind(a.item.title.clone())
                .push_bind("review")
                .push_bind(a.item.priority)
                .push_bind("medium")
                .push_bind(1_i64)
                .push_bind(a.item.ai.confidence)
                .push_bind(a.item.due_at.map(|t| t.to_rfc3339()))
                .push_bind("open")
                .push_bind(a.lease.id.to_string())
                .push_bind(a.lease.epoch.0 as i64)
                .push_bind(a.lease.expires_at.to_rfc3339())
                .push_bind(SystemClock.now().to_rfc3339());
        });
        insert.build().execute(&mut *tx).await.expect("raw insert");
    }
    tx.commit().await.expect("commit");
    started.elapsed()
}

fn report(runs: &[Run]) {
    let line = |what: &str, part: fn(&Run) -> Duration| super::print_part(runs, what, part);
    println!(
        "cold sync of {COLD_ROWS} assignments ({:.1} MB of JSON), median of {} runs:",
        runs[0].bytes as f64 / 1e6,
        runs.len()
    );
    let server = line("server: pull transaction + JSON", |r| r.server);
    let transfer = line("transfer", |r| r.transfer);
    let bare = line("  baseline: bare HTTP of the same bytes", |r| {
        r.bare_transfer
    });
    let decode = line("client decode", |r| r.decode);
    let write = line("client store write (apply_pull)", |r| r.store_write);
    let raw = line("  baseline: raw batched insert", |r| r.raw_insert);
    let index = line("client search index (its own transaction)", |r| r.index);
    let total = line("end to end (a fresh core's first sync_once)", |r| {
        r.end_to_end
    });
    line("  its first page in the store, searchable", |r| {
        r.first_page
    });
    println!("  pages pulled: {}", runs[0].pages);
    println!(
        "  parts sum {:.0} ms; store write / raw insert {:.2}x (target <= 1.5x), {:.2}x with the index; \
         transfer / bare {:.2}x; end to end {:.0} ms (target <= 600 ms)",
        server + transfer + decode + write + index,
        write / raw,
        (write + index) / raw,
        transfer / bare,
        total
    );
}
