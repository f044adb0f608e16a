//! Model-based property test (issue 5, item 1): the desktop core (Store + SyncEngine) against the real
//! queue service, under random schedules of decisions, undos, network cuts, lost answers, replayed
//! requests, a second process on the same data directory, lease expiry and reassignment, client kills
//! and server restarts. After every step and at quiescence the server's database, each client's
//! SQLite file and a small reference model are checked against the invariants of protocol.md.
//!
//! CI runs a fixed seed and `COUNTERSIGN_MODEL_CASES` (default 300) schedules on SQLite; the long mode
//! is e.g. `COUNTERSIGN_MODEL_CASES=10000 cargo test -p countersign-tests --test model_sync -- --nocapture`
//! (`COUNTERSIGN_MODEL_SEED` picks another seed, `COUNTERSIGN_MODEL_STORE=postgres` runs the queue on
//! PostgreSQL). Both modes print one summary line: schedules run, steps, violations, wall time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use countersign_client::notify::{Notice, Notifier};
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::{DecisionInput, ListQuery, Store as ClientStore, StoreError};
use countersign_client::sync::{SyncEngine, SyncError};
use countersign_domain::{Action, Role};
use countersign_queue::{Clock as _, ManualClock, Policy};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Proxy, Queue, QueueOptions, TestDb};
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
        Just(Act::Escalate)
    ];
    prop_oneof![
        8 => (c.clone(), 0..8usize, act).prop_map(|(client, pick, act)| Step::Decide { client, pick, act }),
        3 => (c.clone(), 0..8usize).prop_map(|(client, pick)| Step::Undo { client, pick }),
        2 => c.clone().prop_map(|client| Step::Offline { client }),
        2 => c.clone().prop_map(|client| Step::Online { client }),
        8 => c.clone().prop_map(|client| Step::Sync { client }),
        2 => c.clone().prop_map(|client| Step::LoseResponse { client }),
        2 => (c.clone(), 0..4usize).prop_map(|(client, back)| Step::Replay { client, back }),
        1 => c.clone().prop_map(|client| Step::TwoProcesses { client }),
        1 => (c.clone(), 0..6u64).prop_map(|(client, after_ms)| Step::KillMidSync { client, after_ms }),
        1 => (c.clone(), 0..6u64).prop_map(|(client, after_ms)| Step::CancelSync { client, after_ms }),
        1 => c.clone().prop_map(|client| Step::Reopen { client }),
        1 => Just(Step::ExpireLeases),
        2 => c.clone().prop_map(|to| Step::Reassign { to }),
        1 => Just(Step::RestartServer),
        1 => any::<bool>().prop_map(|high_risk| Step::Submit { high_risk }),
    ]
}

struct NoNotifier;

impl Notifier for NoNotifier {
    fn show(&self, _notice: &Notice) -> Result<(), String> {
        Ok(())
    }
    fn probe(&self) -> Result<String, String> {
        Ok("test".into())
    }
}

struct ClientClock(Arc<ManualClock>);

impl countersign_client::Clock for ClientClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
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
    /// Results recorded locally, by mutation id: they must never change.
    results: HashMap<i64, (String, String)>,
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

fn queue_addr(queue: &Queue) -> std::net::SocketAddr {
    queue
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("the queue listens on an address")
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
        Arc::new(NoNotifier),
        Arc::new(ClientClock(clock.clone())),
    )
}

impl World {
    async fn new(backend: Backend) -> World {
        let db = TestDb::new_in(backend, scratch_root().as_deref());
        let start = Utc
            .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .single()
            .expect("a valid start time");
        let clock = ManualClock::new(start);
        let queue = Queue::start(
            &db,
            QueueOptions {
                policy: policy(),
                clock: clock.clone(),
                webhook_secret: None,
            },
        )
        .await;
        let producer = queue.user("fraud-ai", Role::Producer).await;
        let mut clients = Vec::new();
        for (name, role) in USERS {
            let token = queue.user(name, role).await;
            let dir = scratch_dir();
            let proxy = Proxy::start(Some(queue_addr(&queue))).await;
            let store = ClientStore::open(dir.path()).await.expect("open the store");
            let engine = engine_for(&store, &proxy.url(), &token, &clock);
            let files = open_client_files(dir.path()).await;
            clients.push(Client {
                name,
                token,
                dir,
                spare: scratch_dir(),
                proxy,
                store,
                engine,
                files,
                shown: BTreeMap::new(),
                sent: HashMap::new(),
                undone: HashSet::new(),
                results: HashMap::new(),
                max_server_last: 0,
                max_next: 1,
                max_acked: 0,
            });
        }
        let mut world = World {
            queue,
            _db: db,
            clock,
            producer,
            clients,
            submitted: 0,
            outcomes: HashMap::new(),
            log: Vec::new(),
        };
        for n in 0..INITIAL_ITEMS {
            world.submit(n % 3 == 2).await;
        }
        world
    }

    async fn submit(&mut self, high_risk: bool) {
        if self.submitted >= MAX_ITEMS {
            return;
        }
        let n = self.submitted;
        self.submitted += 1;
        let kind = if n.is_multiple_of(2) {
            "transaction"
        } else {
            "content_draft"
        };
        let risk = if high_risk { "high" } else { "medium" };
        self.queue
            .submit(&self.producer, &item(&format!("m-{n}"), kind, 0.7, risk))
            .await;
    }

    fn note(&mut self, line: String) {
        self.log.push(line);
    }

    /// Reopens a client on its files (after a kill), with a fresh engine and HTTP client.
    async fn reopen(&mut self, c: usize) {
        let clock = self.clock.clone();
        let client = &mut self.clients[c];
        client.files.close().await;
        // A killed process holds nothing: its connections (and any open transaction) go first.
        let placeholder = ClientStore::open(client.spare.path())
            .await
            .expect("open a placeholder store");
        client.engine = engine_for(&placeholder, &client.proxy.url(), &client.token, &clock);
        client.store = placeholder;
        tokio::task::yield_now().await;
        let store = ClientStore::open(client.dir.path())
            .await
            .expect("reopen the store on the same file");
        client.engine = engine_for(&store, &client.proxy.url(), &client.token, &clock);
        client.store = store;
        client.files = open_client_files(client.dir.path()).await;
    }

    /// After an engine round that claimed the outbox, nothing decided before it can be undone.
    fn mark_claimed(&mut self, c: usize, sent: Sent) {
        for state in self.clients[c].sent.values_mut() {
            if *state != Sent::Yes {
                *state = sent;
            }
        }
    }

    async fn sync(&mut self, c: usize) -> Result<(), String> {
        let result = self.clients[c].engine.sync_once().await;
        self.mark_claimed(c, Sent::Yes);
        self.judge_sync(c, result)
    }

    /// Transient failures are expected under faults; anything else is a finding.
    fn judge_sync(
        &mut self,
        c: usize,
        result: Result<countersign_client::sync::SyncReport, SyncError>,
    ) -> Result<(), String> {
        match result {
            Ok(_) => Ok(()),
            Err(error) if error.is_transient() => {
                let line = format!("{} sync: transient: {error}", self.clients[c].name);
                self.note(line);
                Ok(())
            }
            Err(error) => Err(format!(
                "{} sync failed with a non-transient error: {error}",
                self.clients[c].name
            )),
        }
    }

    async fn inbox(&self, c: usize) -> Vec<String> {
        self.clients[c]
            .store
            .list_all(&ListQuery::default())
            .await
            .expect("list the inbox")
            .into_iter()
            .map(|row| row.item_id.to_string())
            .collect()
    }

    async fn local_status(&self, c: usize, item_id: &str) -> Option<String> {
        sqlx::query_scalar("SELECT status FROM assignments WHERE item_id = ?")
            .bind(item_id)
            .fetch_optional(&self.clients[c].files)
            .await
            .expect("read a local status")
    }

    async fn apply(&mut self, step: &Step) -> Check {
        match *step {
            Step::Decide { client, pick, act } => {
                let inbox = self.inbox(client).await;
                if inbox.is_empty() {
                    return Ok(());
                }
                let item_id = inbox[pick % inbox.len()].clone();
                let before = self.local_status(client, &item_id).await;
                let detail = self.clients[client]
                    .store
                    .get(item_id.parse().expect("item id"))
                    .await
                    .expect("read the assignment")
                    .expect("listed, so held");
                let (action, mut input) = match act {
                    Act::Approve => ("approve", DecisionInput::new(Action::Approve)),
                    Act::Escalate => ("escalate", DecisionInput::new(Action::Escalate)),
                    Act::Reject => {
                        let mut input = DecisionInput::new(Action::Reject);
                        input.reason_code = Some("suspected_fraud".into());
                        (("reject"), input)
                    }
                    Act::Correct => (
                        "approve_with_edits",
                        DecisionInput::new(Action::ApproveWithEdits),
                    ),
                };
                if matches!(act, Act::Correct) {
                    input.correction = Some(if detail.item.ai.output.is_string() {
                        json!("Draft text corrected by a person.")
                    } else {
                        json!({"verdict": "allow", "score": 0.1})
                    });
                }
                input.note = Some(format!("model step by {}", self.clients[client].name));
                let now = self.clock.now();
                let result = self.clients[client]
                    .store
                    .decide(item_id.parse().expect("item id"), &input, now)
                    .await;
                let may = matches!(before.as_deref(), Some("open") | Some("rejected"));
                match result {
                    Ok(recorded) => {
                        check!(may, "decide on a {before:?} assignment was accepted");
                        let id = recorded.decision_id.to_string();
                        self.clients[client].shown.insert(
                            id.clone(),
                            Shown {
                                item_id,
                                action,
                                correction: input.correction.clone(),
                            },
                        );
                        self.clients[client].sent.insert(id, Sent::No);
                        tally(&TALLY.decided, 1);
                    }
                    Err(StoreError::AlreadyDecided(..)) => {
                        check!(!may, "decide on an {before:?} assignment was refused");
                    }
                    Err(error) => check!(false, "decide failed: {error}"),
                }
            }
            Step::Undo { client, pick } => {
                let inbox = self.inbox(client).await;
                if inbox.is_empty() {
                    return Ok(());
                }
                let item_id = inbox[pick % inbox.len()].clone();
                let latest: Option<(String, String)> = sqlx::query_as(
                    "SELECT decision_id, state FROM outbox WHERE item_id = ? ORDER BY seq DESC LIMIT 1",
                )
                .bind(&item_id)
                .fetch_optional(&self.clients[client].files)
                .await
                .expect("read the outbox");
                let now = self.clock.now();
                let result = self.clients[client]
                    .store
                    .undo(item_id.parse().expect("item id"), now)
                    .await;
                let model = latest
                    .as_ref()
                    .and_then(|(id, _)| self.clients[client].sent.get(id).copied());
                match result {
                    Ok(()) => {
                        let Some((id, _)) = latest else {
                            return Err(TestCaseError::fail("undo succeeded with nothing decided"));
                        };
                        check!(
                            model != Some(Sent::Yes),
                            "undo of decision {id} succeeded after it was claimed for sending"
                        );
                        let client = &mut self.clients[client];
                        check!(
                            client.shown.remove(&id).is_some(),
                            "undo removed decision {id} the model never saw shown"
                        );
                        client.undone.insert(id);
                        tally(&TALLY.undone, 1);
                    }
                    Err(StoreError::AlreadySent(_)) => {
                        tally(&TALLY.undo_refused, 1);
                        check!(
                            model != Some(Sent::No),
                            "undo refused as already sent, but no sync ran since the decision"
                        );
                    }
                    Err(StoreError::NothingToUndo(_)) => {
                        let undoable = latest.as_ref().is_some_and(|(id, state)| {
                            state == "pending" && self.clients[client].shown.contains_key(id)
                        });
                        check!(
                            !undoable,
                            "undo found nothing though a pending decision exists"
                        );
                    }
                    Err(error) => check!(false, "undo failed: {error}"),
                }
            }
            Step::Offline { client } => self.clients[client].proxy.set_offline(true),
            Step::Online { client } => self.clients[client].proxy.set_offline(false),
            Step::Sync { client } => self.sync(client).await.map_err(TestCaseError::fail)?,
            Step::LoseResponse { client } => {
                self.clients[client].proxy.lose_next_push_response(true);
                let outcome = self.sync(client).await;
                self.clients[client].proxy.lose_next_push_response(false);
                outcome.map_err(TestCaseError::fail)?;
            }
            Step::Replay { client, back } => self.replay(client, back).await?,
            Step::TwoProcesses { client } => {
                let other = ClientStore::open(self.clients[client].dir.path())
                    .await
                    .expect("a second process opens the same directory");
                let second = engine_for(
                    &other,
                    &self.clients[client].proxy.url(),
                    &self.clients[client].token,
                    &self.clock,
                );
                let (a, b) =
                    tokio::join!(self.clients[client].engine.sync_once(), second.sync_once());
                self.mark_claimed(client, Sent::Yes);
                self.judge_sync(client, a).map_err(TestCaseError::fail)?;
                self.judge_sync(client, b)
                    .map_err(|e| TestCaseError::fail(format!("second process: {e}")))?;
            }
            Step::KillMidSync { client, after_ms } => {
                let engine = self.clients[client].engine.clone();
                let task = tokio::spawn(async move { engine.sync_once().await });
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                task.abort();
                let finished = task.await;
                self.mark_claimed(client, Sent::Maybe);
                if let Ok(result) = finished {
                    self.judge_sync(client, result)
                        .map_err(TestCaseError::fail)?;
                }
                tally(&TALLY.kills, 1);
                self.reopen(client).await;
            }
            Step::CancelSync { client, after_ms } => {
                let engine = self.clients[client].engine.clone();
                let task = tokio::spawn(async move { engine.sync_once().await });
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                task.abort();
                let finished = task.await;
                self.mark_claimed(client, Sent::Maybe);
                if let Ok(result) = finished {
                    self.judge_sync(client, result)
                        .map_err(TestCaseError::fail)?;
                }
            }
            Step::Reopen { client } => self.reopen(client).await,
            Step::ExpireLeases => self
                .clock
                .advance(chrono::Duration::seconds(LEASE_SECONDS + 1)),
            Step::Reassign { to } => {
                self.clock
                    .advance(chrono::Duration::seconds(LEASE_SECONDS + 1));
                let reclaimed = countersign_queue::sync::sweep_expired(self.queue.state())
                    .await
                    .expect("sweep expired leases");
                self.note(format!("sweep reclaimed {reclaimed}"));
                tally(&TALLY.reclaimed, reclaimed as u64);
                self.sync(to).await.map_err(TestCaseError::fail)?;
            }
            Step::RestartServer => {
                tally(&TALLY.restarts, 1);
                self.queue.restart().await;
                let addr = queue_addr(&self.queue);
                for client in &self.clients {
                    client.proxy.set_upstream(Some(addr));
                }
            }
            Step::Submit { high_risk } => self.submit(high_risk).await,
        }
        Ok(())
    }

    /// Someone sends one of the client's pushes again, verbatim: the server must answer from its
    /// stored results and change nothing it had not been asked for already.
    async fn replay(&mut self, c: usize, back: usize) -> Check {
        let pushes = self.clients[c].proxy.pushes();
        let Some(push) = pushes.iter().rev().nth(back % pushes.len().max(1)) else {
            return Ok(());
        };
        let response = self
            .queue
            .http()
            .post(format!("{}/v1/sync/push", self.queue.url))
            .header("authorization", &push.authorization)
            .header("content-type", "application/json")
            .body(push.body.clone())
            .send()
            .await
            .expect("the replayed push reaches the server");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        check!(status == 200, "replayed push answered {status}: {body}");
        tally(&TALLY.replays, 1);
        let client_id = self.client_id(c).await;
        let last = body["last_mutation_id"].as_i64().unwrap_or(-1);
        check!(
            last >= self.clients[c].max_server_last,
            "a replay moved last_mutation_id back to {last}"
        );
        for result in body["results"].as_array().into_iter().flatten() {
            let id = result["id"].as_i64().unwrap_or(-1);
            let stored: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT status, code FROM mutation_results WHERE client_id = $1 AND mutation_id = $2",
            )
            .bind(&client_id)
            .bind(id)
            .fetch_optional(&self.queue.state().db.pool)
            .await
            .expect("read mutation results");
            let answered = (
                result["status"].as_str().unwrap_or("").to_owned(),
                result["code"].as_str().map(str::to_owned),
            );
            check!(
                stored.as_ref() == Some(&answered),
                "replayed mutation {id} answered {answered:?} but the server stored {stored:?}"
            );
        }
        Ok(())
    }

    async fn client_id(&self, c: usize) -> String {
        sqlx::query_scalar("SELECT client_id FROM sync_state WHERE id = 1")
            .fetch_one(&self.clients[c].files)
            .await
            .expect("read the client id")
    }

    /// The invariants that hold after every step, faults or not.
    async fn check_always(&mut self) -> Check {
        let pool = self.queue.state().db.pool.clone();
        // 1. Each decision applied at most once.
        let doubled: Vec<(String, i64)> = sqlx::query_as(
            "SELECT decision_id, COUNT(*) FROM decisions GROUP BY decision_id HAVING COUNT(*) > 1",
        )
        .fetch_all(&pool)
        .await
        .expect("read decisions");
        check!(
            doubled.is_empty(),
            "decisions applied more than once: {doubled:?}"
        );

        // 2. At most one final outcome per item, and it never changes.
        let finals: Vec<(String, i64)> = sqlx::query_as(
            "SELECT item_id, COUNT(*) FROM decisions \
             WHERE action IN ('approve', 'approve_with_edits', 'reject') GROUP BY item_id",
        )
        .fetch_all(&pool)
        .await
        .expect("read final decisions");
        for (item_id, count) in &finals {
            check!(*count <= 1, "item {item_id} has {count} final decisions");
        }
        let decided: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, status, outcome FROM items WHERE status <> 'pending'")
                .fetch_all(&pool)
                .await
                .expect("read items");
        for (item_id, status, outcome) in decided {
            let outcome = outcome.unwrap_or_default();
            check!(
                status != "decided" || !outcome.is_empty(),
                "decided item {item_id} has no outcome"
            );
            if let Some(before) = self.outcomes.insert(item_id.clone(), outcome.clone()) {
                check!(
                    before == outcome,
                    "item {item_id} outcome changed {before} -> {outcome}"
                );
            }
        }

        // 3. An applied decision's epoch is the item's current one when it was applied.
        let audit: Vec<(i64, String, Option<String>, String)> =
            sqlx::query_as("SELECT seq, action, item_id, data FROM audit_log ORDER BY seq")
                .fetch_all(&pool)
                .await
                .expect("read the audit log");
        let mut epochs: HashMap<String, (i64, String)> = HashMap::new();
        for (seq, action, item_id, data) in &audit {
            let Some(item_id) = item_id else { continue };
            let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
            match action.as_str() {
                "assign" => {
                    epochs.insert(
                        item_id.clone(),
                        (
                            data["epoch"].as_i64().unwrap_or(-1),
                            data["lease_id"].as_str().unwrap_or("").to_owned(),
                        ),
                    );
                }
                "decide" | "escalate" | "release" => {
                    let used = (
                        data["lease_epoch"].as_i64().unwrap_or(-2),
                        data["lease_id"].as_str().unwrap_or("").to_owned(),
                    );
                    check!(
                        epochs.get(item_id) == Some(&used),
                        "audit #{seq}: {action} on {item_id} under lease {used:?}, current {:?}",
                        epochs.get(item_id)
                    );
                }
                _ => {}
            }
        }

        // 4. Per client: ids, results and counters.
        let server_decisions: HashMap<String, (String, Option<String>)> =
            sqlx::query_as("SELECT decision_id, action, correction FROM decisions")
                .fetch_all(&pool)
                .await
                .expect("read decisions")
                .into_iter()
                .map(|(d, a, c): (String, String, Option<String>)| (d, (a, c)))
                .collect();
        for c in 0..self.clients.len() {
            let client_id = self.client_id(c).await;
            // One statement, so one snapshot: a push whose sender was killed may still be committing.
            let rows: Vec<ClientResultRow> = sqlx::query_as(
                "SELECT c.last_mutation_id, r.mutation_id, r.decision_id, r.status FROM clients c \
                 LEFT JOIN mutation_results r ON r.client_id = c.id WHERE c.id = $1 \
                 ORDER BY r.mutation_id",
            )
            .bind(&client_id)
            .fetch_all(&pool)
            .await
            .expect("read the client's row and results");
            let server_last = rows.first().map_or(0, |r| r.0);
            let results: Vec<(i64, String, String)> = rows
                .into_iter()
                .filter_map(|(_, id, decision, status)| Some((id?, decision?, status?)))
                .collect();
            let client = &mut self.clients[c];
            let name = client.name;
            check!(
                server_last >= client.max_server_last,
                "{name}: server last_mutation_id went back {} -> {server_last}",
                client.max_server_last
            );
            client.max_server_last = server_last;
            let ids: Vec<i64> = results.iter().map(|r| r.0).collect();
            let expected: Vec<i64> = (1..=server_last).collect();
            check!(
                ids == expected,
                "{name}: results for ids {ids:?}, but last_mutation_id is {server_last}"
            );
            let state: (i64, i64) = sqlx::query_as(
                "SELECT next_mutation_id, last_acked_mutation_id FROM sync_state WHERE id = 1",
            )
            .fetch_one(&client.files)
            .await
            .expect("read sync state");
            check!(
                state.0 >= client.max_next && state.1 >= client.max_acked,
                "{name}: local counters went back: {state:?} after next {} acked {}",
                client.max_next,
                client.max_acked
            );
            (client.max_next, client.max_acked) = state;
            check!(
                server_last < state.0,
                "{name}: the server has seen id {server_last}, the client handed out < {}",
                state.0
            );
            check!(
                state.1 <= server_last,
                "{name}: acked {} > server's {server_last}",
                state.1
            );
            let outbox: Vec<(Option<i64>, String, String, Option<String>)> = sqlx::query_as(
                "SELECT mutation_id, decision_id, state, result_status FROM outbox ORDER BY seq",
            )
            .fetch_all(&client.files)
            .await
            .expect("read the outbox");
            let by_id: HashMap<i64, (String, String)> = results
                .iter()
                .map(|(id, d, s)| (*id, (d.clone(), s.clone())))
                .collect();
            let mut numbered = Vec::new();
            for (mutation_id, decision_id, row_state, result) in &outbox {
                check!(
                    !client.undone.contains(decision_id),
                    "{name}: undone decision {decision_id} is still in the outbox"
                );
                check!(
                    client.shown.contains_key(decision_id),
                    "{name}: outbox holds decision {decision_id} nobody made"
                );
                if let Some(id) = mutation_id {
                    numbered.push(*id);
                }
                if row_state == "done" {
                    let id = mutation_id.unwrap_or(-1);
                    let result = result.clone().unwrap_or_default();
                    check!(
                        by_id.get(&id) == Some(&(decision_id.clone(), result.clone())),
                        "{name}: mutation {id} ({decision_id}) recorded {result} locally, server has {:?}",
                        by_id.get(&id)
                    );
                    let pair = (decision_id.clone(), result);
                    if let Some(before) = client.results.insert(id, pair.clone()) {
                        check!(
                            before == pair,
                            "{name}: result of {id} changed {before:?} -> {pair:?}"
                        );
                    }
                }
            }
            numbered.sort_unstable();
            let contiguous: Vec<i64> = (1..state.0).collect();
            check!(
                numbered == contiguous,
                "{name}: mutation ids {numbered:?} are not 1..{}",
                state.0
            );
            // Nothing reaches the server that the client did not show, or took back; nothing altered.
            for (_, decision_id, _) in &results {
                check!(
                    !client.undone.contains(decision_id),
                    "{name}: undone decision {decision_id} reached the server"
                );
            }
            for (decision_id, shown) in &client.shown {
                if let Some((action, correction)) = server_decisions.get(decision_id) {
                    let correction: Option<Value> = correction
                        .as_deref()
                        .and_then(|c| serde_json::from_str(c).ok());
                    check!(
                        action == shown.action
                            && correction.filter(|c| !c.is_null()) == shown.correction,
                        "{name}: decision {decision_id} on {} was {} {:?} locally, {action} on the server",
                        shown.item_id,
                        shown.action,
                        shown.correction
                    );
                }
            }
            for decision_id in &client.undone {
                check!(
                    !server_decisions.contains_key(decision_id),
                    "{name}: undone decision {decision_id} was applied"
                );
            }
        }
        Ok(())
    }

    /// Everything online, the server up: sync until nothing moves, then compare every view.
    async fn converge(&mut self) -> Check {
        for client in &self.clients {
            client.proxy.set_offline(false);
            client.proxy.lose_next_push_response(false);
        }
        let mut stable = false;
        let mut before = Vec::new();
        for _ in 0..8 {
            let mut moved = false;
            for c in 0..self.clients.len() {
                let report = self.clients[c].engine.sync_once().await;
                self.mark_claimed(c, Sent::Yes);
                let report = report.map_err(|e| {
                    TestCaseError::fail(format!(
                        "{}: sync failed online: {e}",
                        self.clients[c].name
                    ))
                })?;
                if std::env::var_os("MODEL_DEBUG").is_some() {
                    eprintln!("converge {}: {report:?}", self.clients[c].name);
                }
                // A pull answers every held assignment, so "pulled" alone is no movement.
                moved |= report.pushed > 0 || report.removed > 0;
            }
            let mut now = Vec::new();
            for client in &self.clients {
                let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
                    "SELECT item_id, lease_id, lease_epoch, status FROM assignments ORDER BY item_id",
                )
                .fetch_all(&client.files)
                .await
                .expect("read assignments");
                now.push(rows);
            }
            moved |= now != before;
            before = now;
            if !moved {
                stable = true;
                break;
            }
        }
        check!(stable, "the clients did not converge in 8 rounds");
        self.check_always().await?;
        let pool = self.queue.state().db.pool.clone();
        let server_decisions: HashSet<String> =
            sqlx::query_scalar("SELECT decision_id FROM decisions")
                .fetch_all(&pool)
                .await
                .expect("read decisions")
                .into_iter()
                .collect();
        let held: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, holder, lease_id, epoch, stage FROM items \
             WHERE status = 'pending' AND holder IS NOT NULL",
        )
        .fetch_all(&pool)
        .await
        .expect("read held items");
        for c in 0..self.clients.len() {
            let client = &self.clients[c];
            let name = client.name;
            let pending = client.store.pending_count().await.expect("pending count");
            check!(
                pending == 0,
                "{name}: {pending} decisions still unacknowledged"
            );
            // Every decision shown is on the server, or shown back as a conflict or a rejection.
            for (decision_id, shown) in &client.shown {
                let row: Option<(String, Option<String>)> =
                    sqlx::query_as("SELECT state, result_status FROM outbox WHERE decision_id = ?")
                        .bind(decision_id)
                        .fetch_optional(&client.files)
                        .await
                        .expect("read the outbox");
                let result = row.and_then(|r| r.1).unwrap_or_default();
                match result.as_str() {
                    "applied" => check!(
                        server_decisions.contains(decision_id),
                        "{name}: decision {decision_id} on {} acknowledged applied, missing on the server",
                        shown.item_id
                    ),
                    "conflict" => {
                        let kept: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM conflicts WHERE decision_id = ?",
                        )
                        .bind(decision_id)
                        .fetch_one(&client.files)
                        .await
                        .expect("read conflicts");
                        check!(kept == 1, "{name}: conflict on {decision_id} not shown");
                        check!(
                            !server_decisions.contains(decision_id),
                            "{name}: decision {decision_id} both conflicted and applied"
                        );
                    }
                    "rejected" => {
                        let kept: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM decisions_log WHERE decision_id = ? AND event = 'rejected'",
                        )
                        .bind(decision_id)
                        .fetch_one(&client.files)
                        .await
                        .expect("read the decision log");
                        check!(kept >= 1, "{name}: rejection of {decision_id} not shown");
                        check!(
                            !server_decisions.contains(decision_id),
                            "{name}: decision {decision_id} both rejected and applied"
                        );
                    }
                    other => check!(
                        false,
                        "{name}: decision {decision_id} on {} has result {other:?} after converging",
                        shown.item_id
                    ),
                }
            }
            // The client's view equals the server's: what it may still act on is what it holds.
            let local: Vec<(String, String, i64, String, String)> = sqlx::query_as(
                "SELECT item_id, lease_id, lease_epoch, stage, status FROM assignments",
            )
            .fetch_all(&client.files)
            .await
            .expect("read assignments");
            let actionable: BTreeSet<(String, String, i64, String)> = local
                .iter()
                .filter(|r| r.4 == "open" || r.4 == "rejected")
                .map(|r| (r.0.clone(), r.1.clone(), r.2, r.3.clone()))
                .collect();
            let server: BTreeSet<(String, String, i64, String)> = held
                .iter()
                .filter(|r| r.1 == name)
                .map(|r| (r.0.clone(), r.2.clone(), r.3, r.4.clone()))
                .collect();
            check!(
                actionable == server,
                "{name}: client shows {actionable:?} as held, server has {server:?}"
            );
            for (item_id, _, _, _, status) in &local {
                check!(
                    status != "decided",
                    "{name}: {item_id} still shows a decision waiting to upload"
                );
            }
        }
        Ok(())
    }
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
    replays: AtomicU64,
    reclaimed: AtomicU64,
    restarts: AtomicU64,
    kills: AtomicU64,
}

static TALLY: Tally = Tally {
    decided: AtomicU64::new(0),
    undone: AtomicU64::new(0),
    undo_refused: AtomicU64::new(0),
    applied: AtomicU64::new(0),
    conflicts: AtomicU64::new(0),
    rejected: AtomicU64::new(0),
    lost_responses: AtomicU64::new(0),
    replays: AtomicU64::new(0),
    reclaimed: AtomicU64::new(0),
    restarts: AtomicU64::new(0),
    kills: AtomicU64::new(0),
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
        "{summary}\nmodel_sync: exercised {} decisions ({} undone, {} undo refused as sent), results \
         {} applied / {} conflict / {} rejected, {} lost push answers, {} replays, {} leases \
         reclaimed, {} server restarts, {} client kills",
        n(&t.decided),
        n(&t.undone),
        n(&t.undo_refused),
        n(&t.applied),
        n(&t.conflicts),
        n(&t.rejected),
        n(&t.lost_responses),
        n(&t.replays),
        n(&t.reclaimed),
        n(&t.restarts),
        n(&t.kills)
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
