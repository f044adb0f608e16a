//! Model-based property test (issue 5, item 1): the desktop core (Store + SyncEngine) against the real
//! queue service, under random schedules of decisions, undos, network cuts, lost answers, replayed
//! requests, lost pull answers, a second process on the same data directory, lease expiry and reassignment, client kills
//! and server restarts, with comments among the decisions, pulls in pages of one and two; approvals of clinical suggestions are
//! signed (docs/protocol.md, "Signatures"). After every step and at quiescence the server's database, each client's
//! SQLite file and a small reference model are checked against the invariants of docs/protocol.md.
//!
//! CI runs a fixed seed and `COUNTERSIGN_MODEL_CASES` (default 300) schedules on SQLite; the long mode
//! is e.g. `COUNTERSIGN_MODEL_CASES=10000 cargo test -p countersign-tests --test integration
//! model_sync -- --nocapture` (`COUNTERSIGN_MODEL_SEED` picks another seed,
//! `COUNTERSIGN_MODEL_STORE=postgres` runs the queue on PostgreSQL). Both modes print one summary line: schedules run, steps, violations, wall time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use countersign_client::model::{DecisionInput, ListQuery};
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::signing::DecisionSigner;
use countersign_client::store::{Store as ClientStore, StoreError};
use countersign_client::sync::{SyncEngine, SyncError};
use countersign_domain::{Action, ItemId, Role};
use countersign_queue::{Clock as _, ManualClock, Policy};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Proxy, PullFault, Queue, QueueOptions, TestDb};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

const LEASE_SECONDS: i64 = 600;
const PREFETCH: u32 = 3;
const INITIAL_ITEMS: usize = 6;
const MAX_ITEMS: usize = 12;
/// alice is a reviewer, bob a senior (he also receives escalations).
const USERS: [(&str, Role); 2] = [("alice", Role::Reviewer), ("bob", Role::Senior)];

#[derive(Debug, Clone, Copy)]
enum Act {
    Approve,
    Correct,
    Reject,
    Escalate,
    /// A correction sent as an RFC 6902 patch against `ai.output` only, with a rationale and tags.
    Patch,
}

#[derive(Debug, Clone)]
enum Step {
    /// Decide the `pick`-th assignment in the client's inbox.
    Decide {
        client: usize,
        pick: usize,
        act: Act,
    },
    Undo {
        client: usize,
        pick: usize,
    },
    Offline {
        client: usize,
    },
    Online {
        client: usize,
    },
    /// One engine round: push everything unacknowledged, then pull.
    Sync {
        client: usize,
    },
    /// The server commits the next push but its answer is lost; the engine round that sends it.
    LoseResponse {
        client: usize,
    },
    /// The server commits a pull of the next engine round (its first page, or its second when
    /// `page` is 1) but its answer is lost: the next round brings what that pull granted.
    LosePullResponse {
        client: usize,
        page: u64,
    },
    /// A push this client sent (`back` pushes before its last) arrives again, verbatim and late:
    /// a replayed or reordered request.
    Replay {
        client: usize,
        back: usize,
    },
    /// A second process opens the same data directory and both sync at once.
    TwoProcesses {
        client: usize,
    },
    /// The client process dies `after_ms` into a sync round, then is started again on its files.
    KillMidSync {
        client: usize,
        after_ms: u64,
    },
    /// A sync round cancelled `after_ms` in (an aborted task, a timeout); the process goes on.
    CancelSync {
        client: usize,
        after_ms: u64,
    },
    /// Drop the store and engine and open them again on the same SQLite file.
    Reopen {
        client: usize,
    },
    /// Leases run out, nobody reclaims them.
    ExpireLeases,
    /// Leases run out, the sweeper reclaims them for a reviewer with room, who then syncs.
    Reassign {
        to: usize,
    },
    RestartServer,
    Submit {
        high_risk: bool,
    },
    /// Comment on the `pick`-th assignment in the client's inbox (through the same outbox).
    Comment {
        client: usize,
        pick: usize,
    },
}

fn client_count() -> usize {
    USERS.len()
}

fn step_strategy() -> impl Strategy<Value = Step> {
    let c = 0..client_count();
    let act = prop_oneof![
        Just(Act::Approve),
        Just(Act::Correct),
        Just(Act::Reject),
        Just(Act::Escalate),
        Just(Act::Patch)
    ];
    prop_oneof![
        8 => (c.clone(), 0..8usize, act).prop_map(|(client, pick, act)| Step::Decide { client, pick, act }),
        3 => (c.clone(), 0..8usize).prop_map(|(client, pick)| Step::Undo { client, pick }),
        2 => c.clone().prop_map(|client| Step::Offline { client }),
        2 => c.clone().prop_map(|client| Step::Online { client }),
        8 => c.clone().prop_map(|client| Step::Sync { client }),
        2 => c.clone().prop_map(|client| Step::LoseResponse { client }),
        2 => (c.clone(), 0..2u64).prop_map(|(client, page)| Step::LosePullResponse { client, page }),
        2 => (c.clone(), 0..4usize).prop_map(|(client, back)| Step::Replay { client, back }),
        1 => c.clone().prop_map(|client| Step::TwoProcesses { client }),
        1 => (c.clone(), 0..6u64).prop_map(|(client, after_ms)| Step::KillMidSync { client, after_ms }),
        1 => (c.clone(), 0..6u64).prop_map(|(client, after_ms)| Step::CancelSync { client, after_ms }),
        1 => c.clone().prop_map(|client| Step::Reopen { client }),
        1 => Just(Step::ExpireLeases),
        2 => c.clone().prop_map(|to| Step::Reassign { to }),
        1 => Just(Step::RestartServer),
        1 => any::<bool>().prop_map(|high_risk| Step::Submit { high_risk }),
        3 => (c.clone(), 0..8usize).prop_map(|(client, pick)| Step::Comment { client, pick }),
    ]
}

/// A decision the client showed as recorded (decide returned Ok).
#[derive(Debug, Clone)]
struct Shown {
    item_id: String,
    action: &'static str,
    correction: Option<Value>,
}

/// Whether a decision may still be undone, as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sent {
    No,
    Maybe,
    Yes,
}

/// One reviewer's desktop: its data directory, network and the model's view of it.
struct Client {
    name: &'static str,
    token: String,
    dir: tempfile::TempDir,
    /// Where a killed client's handles point while it is down.
    spare: tempfile::TempDir,
    proxy: Proxy,
    store: ClientStore,
    engine: SyncEngine,
    /// A read-only view of the client's SQLite file for the checks.
    files: SqlitePool,
    shown: BTreeMap<String, Shown>,
    sent: HashMap<String, Sent>,
    undone: HashSet<String>,
    /// Comments queued (the store said so), by their `decision_id`: each must reach the server once.
    comments: HashSet<String>,
    /// Results recorded locally, by mutation id: they must never change.
    results: HashMap<i64, (String, String)>,
    /// Signs the client's approvals of items that need a signature (its key registered at start).
    signer: DecisionSigner,
    max_server_last: i64,
    max_next: i64,
    max_acked: i64,
}

struct World {
    queue: Queue,
    _db: TestDb,
    clock: Arc<ManualClock>,
    producer: String,
    clients: Vec<Client>,
    submitted: usize,
    /// Final outcomes seen on the server: they must never change.
    outcomes: HashMap<String, String>,
    /// Seen on the server's audit log so far (it only grows).
    log: Vec<String>,
}

type Check = Result<(), TestCaseError>;

/// A client's last_mutation_id with one of its stored results (none when it has none).
type ClientResultRow = (i64, Option<i64>, Option<String>, Option<String>);

macro_rules! check {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($fmt)*)));
        }
    };
}

// After `check!`, which they use (macro_rules! scoping is textual).
mod invariants;
mod world;

fn policy() -> Policy {
    let text = countersign_queue::policy::DEFAULT_POLICY_TOML
        .replace(
            "lease_seconds = 28800",
            &format!("lease_seconds = {LEASE_SECONDS}"),
        )
        .replace("prefetch = 50", &format!("prefetch = {PREFETCH}"))
        .replace(
            "sweep_interval_seconds = 15",
            "sweep_interval_seconds = 86400",
        )
        .replace(
            "active_window_seconds = 900",
            "active_window_seconds = 31536000",
        );
    // Medium-risk clinical suggestions are reviewed, and their approvals must be signed.
    let text = text.replacen(
        "[[rules]]",
        "[[rules]]\nname = \"signed-clinical-review\"\nkinds = [\"clinical_suggestion\"]\n\
         risk = [\"medium\"]\nroute = \"review\"\nsignature = \"approval\"\n\n[[rules]]",
        1,
    );
    Policy::parse(&text, "model_sync policy").expect("the test policy parses")
}

/// Thousands of SQLite files are made and fsynced: on a tmpfs when there is one (same semantics for
/// SQLite, without waiting on a shared disk).
fn scratch_root() -> Option<PathBuf> {
    let shm = PathBuf::from("/dev/shm");
    (shm.is_dir() && tempfile::tempdir_in(&shm).is_ok()).then_some(shm)
}

fn scratch_dir() -> tempfile::TempDir {
    match scratch_root() {
        Some(root) => tempfile::tempdir_in(root),
        None => tempfile::tempdir(),
    }
    .expect("a scratch directory")
}

async fn open_client_files(dir: &std::path::Path) -> SqlitePool {
    let path: PathBuf = dir.join(countersign_client::store::DATABASE_FILE);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .busy_timeout(Duration::from_secs(15)),
        )
        .await
        .expect("open the client's store read-only")
}

fn engine_for(store: &ClientStore, url: &str, token: &str, clock: &Arc<ManualClock>) -> SyncEngine {
    let remote = QueueClient::new(url, Token::new(token)).expect("queue client");
    SyncEngine::new(
        store.clone(),
        remote,
        Arc::new(notify::Silent),
        Arc::new({
            let clock = clock.clone();
            move || clock.now()
        }),
    )
    // Pages of 1, then 2: every top-up of the prefetch of 3 comes in pages, the next asked for
    // while one is written (docs/protocol.md, "Paged pulls"), under every fault of the schedule.
    .with_first_pull_page(1)
}

/// What the schedules exercised, so that a green run can be told from a vacuous one.
struct Tally {
    decided: AtomicU64,
    undone: AtomicU64,
    undo_refused: AtomicU64,
    applied: AtomicU64,
    conflicts: AtomicU64,
    rejected: AtomicU64,
    lost_responses: AtomicU64,
    lost_pulls: AtomicU64,
    replays: AtomicU64,
    reclaimed: AtomicU64,
    restarts: AtomicU64,
    kills: AtomicU64,
    comments: AtomicU64,
    signed: AtomicU64,
}

static TALLY: Tally = Tally {
    decided: AtomicU64::new(0),
    undone: AtomicU64::new(0),
    undo_refused: AtomicU64::new(0),
    applied: AtomicU64::new(0),
    conflicts: AtomicU64::new(0),
    rejected: AtomicU64::new(0),
    lost_responses: AtomicU64::new(0),
    lost_pulls: AtomicU64::new(0),
    replays: AtomicU64::new(0),
    reclaimed: AtomicU64::new(0),
    restarts: AtomicU64::new(0),
    kills: AtomicU64::new(0),
    comments: AtomicU64::new(0),
    signed: AtomicU64::new(0),
};

fn tally(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

static SCHEDULES: AtomicU64 = AtomicU64::new(0);
static STEPS: AtomicU64 = AtomicU64::new(0);
static VIOLATIONS: AtomicU64 = AtomicU64::new(0);

async fn run_schedule(backend: Backend, steps: &[Step]) -> Check {
    SCHEDULES.fetch_add(1, Ordering::Relaxed);
    let mut world = World::new(backend).await;
    let mut outcome = Ok(());
    for (n, step) in steps.iter().enumerate() {
        STEPS.fetch_add(1, Ordering::Relaxed);
        let result = match world.apply(step).await {
            Ok(()) => world.check_always().await,
            Err(e) => Err(e),
        };
        if let Err(error) = result {
            outcome = Err(TestCaseError::fail(format!(
                "after step {n} {step:?}: {error}"
            )));
            break;
        }
    }
    if outcome.is_ok() {
        outcome = world
            .converge()
            .await
            .map_err(|e| TestCaseError::fail(format!("at quiescence: {e}")));
    }
    if outcome.is_err() && VIOLATIONS.fetch_add(1, Ordering::Relaxed) == 0 {
        let tail: Vec<&String> = world.log.iter().rev().take(8).collect();
        eprintln!("model_sync: first violation; the last notes before it: {tail:?}");
    }
    for client in &world.clients {
        tally(&TALLY.lost_responses, client.proxy.responses_dropped());
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT result_status, COUNT(*) FROM outbox WHERE result_status IS NOT NULL \
             GROUP BY result_status",
        )
        .fetch_all(&client.files)
        .await
        .unwrap_or_default();
        for (status, n) in counts {
            let n = u64::try_from(n).unwrap_or(0);
            match status.as_str() {
                "applied" => tally(&TALLY.applied, n),
                "conflict" => tally(&TALLY.conflicts, n),
                _ => tally(&TALLY.rejected, n),
            }
        }
    }
    world.queue.stop().await;
    outcome
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[test]
fn desktop_core_against_the_queue_matches_the_model() {
    let cases = u32::try_from(env_number("COUNTERSIGN_MODEL_CASES", 300)).unwrap_or(u32::MAX);
    let seed = env_number("COUNTERSIGN_MODEL_SEED", 0x5eed_0005);
    let backend = match std::env::var("COUNTERSIGN_MODEL_STORE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let started = Instant::now();
    let result = runner.run(
        &proptest::collection::vec(step_strategy(), 5..40),
        |steps| runtime.block_on(run_schedule(backend, &steps)),
    );
    let summary = format!(
        "model_sync: {} schedules ({} steps) on {backend:?}, seed {seed:#x}, {} violations, {:.1} s",
        SCHEDULES.load(Ordering::Relaxed),
        STEPS.load(Ordering::Relaxed),
        VIOLATIONS.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    let t = &TALLY;
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let summary = format!(
        "{summary}\nmodel_sync: exercised {} decisions ({} signed, {} undone, {} undo refused as sent), results \
         {} applied / {} conflict / {} rejected, {} lost answers ({} of them pulls), {} replays, {} leases \
         reclaimed, {} server restarts, {} client kills, {} comments",
        n(&t.decided),
        n(&t.signed),
        n(&t.undone),
        n(&t.undo_refused),
        n(&t.applied),
        n(&t.conflicts),
        n(&t.rejected),
        n(&t.lost_responses),
        n(&t.lost_pulls),
        n(&t.replays),
        n(&t.reclaimed),
        n(&t.restarts),
        n(&t.kills),
        n(&t.comments)
    );
    // Straight to the process's stderr: libtest captures print!/eprint! of passing tests, and the
    // summary is wanted in CI logs too.
    let _ = writeln!(std::io::stderr(), "{summary}");
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, steps)) => {
            panic!("{summary}\nminimal failing schedule: {steps:#?}\n{reason}")
        }
        Err(TestError::Abort(reason)) => panic!("{summary}\naborted: {reason}"),
    }
}
