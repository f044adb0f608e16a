//! Simulated reviewers for the benchmarks (the queue's throughput and load, the escalation →
//! notification latency under load): an in-process queue service seeded with review work, and
//! clients that pull, decide and push over HTTP, recording latencies and errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fixtures;
use countersign_domain::{
    Action, ClientId, Mutation, MutationId, MutationStatus, NewItem, PullResponse, PushResponse,
    Role,
};
use countersign_queue::{AppState, RunningServer, ServeOptions};
use serde_json::json;
use tokio::sync::Mutex;

/// How long each measurement runs: `BENCH_SECONDS`, else `default`.
pub fn seconds(default: u64) -> Duration {
    let seconds = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default);
    Duration::from_secs(seconds)
}

fn review_item(n: usize) -> NewItem {
    let mut item = fixtures::new_item(&format!("bench-{n}"), "transaction", 0.8, "medium");
    item.title = format!(
        "Card payment EUR {}.00 at an electronics retailer",
        100 + n % 900
    );
    item.priority = (n % 100) as i64;
    item
}

/// Starts a queue on `database_url` with `items` review items and `reviewers` reviewer tokens.
pub async fn seeded_queue(
    database_url: &str,
    items: usize,
    reviewers: usize,
) -> (RunningServer, Vec<String>) {
    seeded_queue_with(ServeOptions::new(database_url), items, reviewers).await
}

/// [`seeded_queue`] with other options (a larger prefetch, say).
pub async fn seeded_queue_with(
    options: ServeOptions,
    items: usize,
    reviewers: usize,
) -> (RunningServer, Vec<String>) {
    let server = countersign_queue::start(options).await.expect("server");
    let state: &AppState = &server.state;
    countersign_queue::auth::add_user(&state.db, "bench-producer", Role::Producer, state.now())
        .await
        .expect("producer");
    let all: Vec<NewItem> = (0..items).map(review_item).collect();
    for batch in all.chunks(1000) {
        countersign_queue::items::submit_all(state, "bench-producer", batch)
            .await
            .expect("submit");
    }
    let mut tokens = Vec::with_capacity(reviewers);
    for n in 0..reviewers {
        let token = countersign_queue::auth::add_user(
            &state.db,
            &format!("reviewer{n}"),
            Role::Reviewer,
            state.now(),
        )
        .await
        .expect("reviewer");
        tokens.push(token);
    }
    (server, tokens)
}

/// What a run of simulated reviewers measured.
#[derive(Default)]
pub struct Measured {
    pub decisions: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub pull_latencies: Vec<Duration>,
    pub push_latencies: Vec<Duration>,
}

impl Measured {
    pub fn rate(&self) -> f64 {
        self.decisions as f64 / self.elapsed.as_secs_f64()
    }
}

/// How far a run of simulated reviewers has got, readable while it runs.
#[derive(Default)]
pub struct Progress {
    /// Reviewers whose first pull was answered. Their first pulls, all at once, are a start-up
    /// burst; once every reviewer has had one, the load is in its stride.
    pub first_pulls: AtomicUsize,
}

/// The `q`-quantile (0..=1) of `latencies`, in milliseconds.
pub fn quantile_ms(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    latencies.sort_unstable();
    let index = ((latencies.len() - 1) as f64 * q).round() as usize;
    latencies[index].as_secs_f64() * 1000.0
}

/// Reviewers that pull, then push their decisions `per_push` at a time, pulling again when
/// they hold nothing, for `duration`. Reviewer n talks to `urls[n % urls.len()]` (several replicas
/// of one queue). Every decision must come back `applied`; anything else (an HTTP error, a
/// transport error, another status) counts as an error.
pub async fn run_reviewers(
    urls: &[String],
    tokens: Vec<String>,
    per_push: usize,
    duration: Duration,
    progress: Arc<Progress>,
) -> Measured {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(tokens.len())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let decided = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new((Vec::new(), Vec::new())));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for (n, token) in tokens.into_iter().enumerate() {
        let reviewer = Reviewer {
            http: http.clone(),
            url: urls[n % urls.len()].clone(),
            token,
            client_id: ClientId::new_v7(),
        };
        let (decided, errors, stop, latencies, progress) = (
            decided.clone(),
            errors.clone(),
            stop.clone(),
            latencies.clone(),
            progress.clone(),
        );
        workers.spawn(async move {
            let mut next_id = 1u64;
            let mut cursor: Option<String> = None;
            let (mut pulls, mut pushes) = (Vec::new(), Vec::new());
            'work: while !stop.load(Ordering::Relaxed) {
                let began = Instant::now();
                let Some(pull) = reviewer.pull(cursor.as_deref()).await else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                pulls.push(began.elapsed());
                if cursor.is_none() {
                    progress.first_pulls.fetch_add(1, Ordering::Relaxed);
                }
                cursor = Some(pull.cursor);
                if pull.assignments.is_empty() {
                    break;
                }
                for batch in pull.assignments.chunks(per_push) {
                    if stop.load(Ordering::Relaxed) {
                        break 'work;
                    }
                    let mutations: Vec<Mutation> = batch
                        .iter()
                        .map(|assignment| {
                            let mutation = fixtures::decision(
                                MutationId(next_id),
                                assignment,
                                Action::Approve,
                            );
                            next_id += 1;
                            mutation
                        })
                        .collect();
                    let began = Instant::now();
                    match reviewer.push(&mutations).await {
                        Some(push) => {
                            pushes.push(began.elapsed());
                            let applied = push
                                .results
                                .iter()
                                .filter(|result| result.status == MutationStatus::Applied)
                                .count();
                            decided.fetch_add(applied as u64, Ordering::Relaxed);
                            errors.fetch_add((mutations.len() - applied) as u64, Ordering::Relaxed);
                        }
                        None => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            // The ids may or may not have been applied: start over cleanly.
                            break 'work;
                        }
                    }
                }
            }
            let mut all = latencies.lock().await;
            all.0.extend(pulls);
            all.1.extend(pushes);
        });
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let decisions = decided.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    while workers.join_next().await.is_some() {}
    let (pull_latencies, push_latencies) = std::mem::take(&mut *latencies.lock().await);
    Measured {
        decisions,
        errors: errors.load(Ordering::Relaxed),
        elapsed,
        pull_latencies,
        push_latencies,
    }
}

struct Reviewer {
    http: reqwest::Client,
    url: String,
    token: String,
    client_id: ClientId,
}

impl Reviewer {
    async fn pull(&self, cursor: Option<&str>) -> Option<PullResponse> {
        self.post(
            "pull",
            json!({"client_id": self.client_id, "cursor": cursor}),
        )
        .await
    }

    async fn push(&self, mutations: &[Mutation]) -> Option<PushResponse> {
        self.post(
            "push",
            json!({"client_id": self.client_id, "mutations": mutations}),
        )
        .await
    }

    /// `POST /v1/sync/{what}`; None for a transport error or a non-2xx answer.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        body: serde_json::Value,
    ) -> Option<T> {
        let response = self
            .http
            .post(format!("{}/v1/sync/{what}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }
}
