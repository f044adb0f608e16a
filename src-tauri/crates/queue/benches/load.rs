//! Load: 200 simulated reviewers against one queue service on PostgreSQL for 60 s (BENCH_SECONDS
//! to change), each pulling and pushing its decisions five at a time as a desktop client syncing
//! through the day would. Prints throughput, p50/p99 pull and push latency, and errors (target 0).
//!
//!   COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh) cargo bench -p countersign-queue --bench load

use countersign_testkit::load as common;

const REVIEWERS: usize = 200;
const PER_PUSH: usize = 5;

#[tokio::main]
async fn main() {
    let duration = common::seconds(60);
    let base = std::env::var("COUNTERSIGN_TEST_POSTGRES_URL").expect(
        "set COUNTERSIGN_TEST_POSTGRES_URL=$(scripts/postgres.sh): the load run is on PostgreSQL",
    );
    let url = format!(
        "{}/cs_load_{}",
        base.trim_end_matches('/'),
        uuid::Uuid::now_v7().simple()
    );
    let items = REVIEWERS * 50 + 2500 * duration.as_secs() as usize;
    println!(
        "load: {REVIEWERS} reviewers, pushes of {PER_PUSH}, {}s on PostgreSQL ({items} items seeded)",
        duration.as_secs()
    );
    let (server, tokens) = common::seeded_queue(&url, items, REVIEWERS).await;
    let mut measured = common::run_reviewers(
        &[server.url()],
        tokens,
        PER_PUSH,
        duration,
        Default::default(),
    )
    .await;
    server.shutdown().await;
    println!(
        "  throughput: {:.0} decisions/s ({} decisions in {:.1}s)",
        measured.rate(),
        measured.decisions,
        measured.elapsed.as_secs_f64()
    );
    let pulls = measured.pull_latencies.len();
    let pushes = measured.push_latencies.len();
    println!(
        "  pull: {pulls} requests, p50 {:.1} ms, p99 {:.1} ms",
        common::quantile_ms(&mut measured.pull_latencies, 0.5),
        common::quantile_ms(&mut measured.pull_latencies, 0.99)
    );
    println!(
        "  push: {pushes} requests, p50 {:.1} ms, p99 {:.1} ms",
        common::quantile_ms(&mut measured.push_latencies, 0.5),
        common::quantile_ms(&mut measured.push_latencies, 0.99)
    );
    println!("  errors: {}", measured.errors);
}
