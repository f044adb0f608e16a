//! The drain of `DRAIN_DECISIONS` decisions made offline, end to end and in its parts, each beside its
//! own baseline, median and spread of `BENCH_RUNS` (default 5) runs; each run against fresh
//! in-process queue services (SQLite) holding the decided items:
//! - client, claim: numbering each batch of the outbox and marking it in flight
//!   (`Store::claim_push_batch`), and client, record: storing the server's answers
//!   (`Store::apply_push_outcome`); beside as many bare durable commits (two a batch), each of as
//!   many one-row inserts as the batch has decisions;
//! - server: the pushes' transactions and writing their JSON, from the answers' `Server-Timing`
//!   headers (docs/protocol.md, "Push");
//! - transfer: the rest of the pushes' time (the server's reading of each request, its JSON and its
//!   token included), beside bare HTTP exchanges of the same requests and answers with a server
//!   that only reads and returns them;
//! - the pull that follows (the next `sync_once`, nothing left to push);
//! - end to end: another reviewer's decisions made while the queue was down, then the queue
//!   restarted at the same address and one `sync_once`, as after a reconnect.

use std::time::{Duration, Instant};

use countersign_client::model::DecisionInput;
use countersign_client::plan::{self, BatchLimits};
use countersign_client::store::Store;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Action, ItemId, PushRequest, PushResponse};

use super::{DRAIN_DECISIONS, reviewer_holding};

/// One run's figures.
#[derive(Default)]
struct Run {
    batches: usize,
    claim: Duration,
    record: Duration,
    bare_commits: Duration,
    server: Duration,
    transfer: Duration,
    bare_exchange: Duration,
    pull: Duration,
    end_to_end: Duration,
}

pub async fn drain_figures() {
    let runs = super::bench_runs();
    let mut figures = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut run = parts().await;
        run.end_to_end = end_to_end().await;
        figures.push(run);
    }
    report(&figures);
}

/// Decides every held item in the store.
async fn decide_all(store: &Store, held: &[ItemId]) {
    for id in held {
        store
            .decide(*id, &DecisionInput::new(Action::Approve), SystemClock.now())
            .await
            .expect("decide offline");
    }
}

/// The push as the sync engine makes it, batch by batch, each step timed; then the pull after it.
async fn parts() -> Run {
    let holding = reviewer_holding(DRAIN_DECISIONS).await;
    decide_all(&holding.store, &holding.held).await;
    let store = &holding.store;
    let url = holding.queue.url();
    let client_id = store.sync_state().await.expect("sync state").client_id;
    let http = countersign_testkit::http_client();
    let mut run = Run::default();
    let mut exchanged = Vec::new();
    loop {
        let claiming = Instant::now();
        let Some(batch) = store
            .claim_push_batch(BatchLimits::default())
            .await
            .expect("claim a batch")
        else {
            break;
        };
        run.claim += claiming.elapsed();
        let acked = store
            .sync_state()
            .await
            .expect("sync state")
            .last_acked_mutation_id;
        let request = serde_json::to_vec(&PushRequest {
            client_id,
            mutations: batch.mutations.clone(),
        })
        .expect("a push request");
        let pushing = Instant::now();
        let answer = http
            .post(format!("{url}/v1/sync/push"))
            .bearer_auth(&holding.token)
            .header("content-type", "application/json")
            .body(request.clone())
            .send()
            .await
            .expect("push");
        let server = super::server_time(&answer);
        let body = answer.bytes().await.expect("push body");
        run.transfer += pushing.elapsed().saturating_sub(server);
        run.server += server;
        let response: PushResponse = serde_json::from_slice(&body).expect("a push response");
        let outcome =
            plan::read_push_response(&batch.mutations, &response, acked).expect("a sound answer");
        let recording = Instant::now();
        store
            .apply_push_outcome(&batch.mutations, &outcome, SystemClock.now())
            .await
            .expect("record the answers");
        run.record += recording.elapsed();
        run.batches += 1;
        exchanged.push((request, body.to_vec()));
    }
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    let pulling = Instant::now();
    let report = holding.engine.sync_once().await.expect("the pull after");
    run.pull = pulling.elapsed();
    assert_eq!(report.pushed, 0, "nothing was left to push");
    holding.queue.shutdown().await;
    for (request, answer) in exchanged {
        run.bare_exchange += super::bare_exchange(request, answer).await;
    }
    // A claim and a record each write every decision of their batch, in one transaction.
    let rows = DRAIN_DECISIONS.div_ceil(run.batches.max(1));
    run.bare_commits = super::bare_commits(holding.dirs.1.path(), 2 * run.batches, rows)
        .await
        .into_iter()
        .sum();
    run
}

/// Decisions made while the queue is down, then one `sync_once` once it is back.
async fn end_to_end() -> Duration {
    let holding = reviewer_holding(DRAIN_DECISIONS).await;
    let url = holding.queue.url();
    holding.queue.shutdown().await;
    decide_all(&holding.store, &holding.held).await;
    // Back at the same address, as a restarted service would be.
    let listen = url.trim_start_matches("http://");
    let queue = countersign_queue::start(super::queue_options(
        &holding.database,
        listen,
        holding.prefetch,
    ))
    .await
    .expect("the queue restarts");
    let started = Instant::now();
    let report = holding.engine.sync_once().await.expect("drain");
    let drained = started.elapsed();
    assert_eq!(report.applied, DRAIN_DECISIONS);
    assert_eq!(holding.store.pending_count().await.expect("pending"), 0);
    queue.shutdown().await;
    drained
}

fn report(runs: &[Run]) {
    let line = |what: &str, part: fn(&Run) -> Duration| super::print_part(runs, what, part);
    println!(
        "drain of {DRAIN_DECISIONS} offline decisions ({} pushes), median of {} runs:",
        runs[0].batches,
        runs.len()
    );
    let claim = line("client: claim the batches", |r| r.claim);
    let record = line("client: record the answers", |r| r.record);
    let commits = line("  baseline: bare durable commits, two a batch", |r| {
        r.bare_commits
    });
    let server = line("server: push transactions + JSON", |r| r.server);
    let transfer = line("transfer (with reading the requests)", |r| r.transfer);
    let bare = line(
        "  baseline: bare HTTP of the same requests and answers",
        |r| r.bare_exchange,
    );
    let pull = line("the pull that follows", |r| r.pull);
    let total = line("end to end (after a reconnect, one sync_once)", |r| {
        r.end_to_end
    });
    println!(
        "  parts sum {:.0} ms; client / bare commits {:.2}x; transfer / bare {:.2}x; \
         end to end {total:.0} ms (target <= 2000 ms)",
        claim + record + server + transfer + pull,
        (claim + record) / commits,
        transfer / bare,
    );
}
