//! Escalation → desktop notification (issue 9, item 4): how long after the server applied an
//! escalation (the time its transaction recorded on the item's escalate decision, `at`) the senior's
//! desktop core has shown the notification (the Notify call in the session bus's mock notification
//! server's log), beside the same run's SSE latency (the `assignments` event read by a plain SSE client
//! of the same senior) as the baseline. Both include the escalation's own commit. A real queue service (in process, on SQLite, and on PostgreSQL too when
//! COUNTERSIGN_TEST_POSTGRES_URL is set), a real sync engine with the DesktopNotifier,
//! and a senior who already holds the prefetch target; 50 escalations idle, then 50 while 200 simulated
//! reviewers pull and push against the same queue (testkit::load), once all of them have had their
//! first pull (that start-up burst is timed and printed apart). Prints p50/p95/max; target p95 ≤ 2 s.
//!
//!   src-tauri/crates/client/scripts/with-session-bus.sh cargo bench -p countersign-tests --bench escalation
//!
//! Outside that script (no mock notification server) it prints a SKIPPED line.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use countersign_client::notify::DesktopNotifier;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Action, ClientId, Item, MutationId, PullResponse, PushResponse, Role};
use countersign_queue::{RunningServer, auth, items};
use countersign_testkit::{fixtures, load, notification_daemon};
use serde_json::json;

const ESCALATIONS: usize = 50;
const REVIEWERS: usize = 200;
/// How long the simulated reviewers keep working in the loaded phase: their start-up burst and all
/// the escalations fall inside it.
const LOADED: Duration = Duration::from_secs(60);
/// The longest wait for the reviewers' first pulls before the escalations start regardless.
const WARM_UP_LIMIT: Duration = Duration::from_secs(30);
/// Between escalations, so each gets a notice of its own rather than a summary.
const SPACING: Duration = Duration::from_millis(250);

fn main() {
    if std::env::var_os(notification_daemon::LOG_ENV).is_none() {
        eprintln!(
            "SKIPPED escalation bench: needs the session bus's mock notification server; run it under \
             src-tauri/crates/client/scripts/with-session-bus.sh"
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut runs = vec![(
        "SQLite",
        format!("sqlite://{}", dir.path().join("queue.db").display()),
    )];
    if let Ok(base) = std::env::var("COUNTERSIGN_TEST_POSTGRES_URL") {
        let name = format!("cs_escalation_{}", uuid::Uuid::now_v7().simple());
        runs.push((
            "PostgreSQL",
            format!("{}/{name}", base.trim_end_matches('/')),
        ));
    }
    for (backend, url) in runs {
        run(backend, &url).await;
    }
}

async fn run(backend: &str, url: &str) {
    // Enough review work for the reviewers to hold their prefetch and keep deciding all along.
    let work = REVIEWERS * 50 + 800 * LOADED.as_secs() as usize;
    println!(
        "escalation → notification on {backend}: {ESCALATIONS} escalations idle, {ESCALATIONS} under \
         {REVIEWERS} reviewers ({work} review items seeded)"
    );
    let (server, reviewers) = load::seeded_queue(url, work, REVIEWERS).await;
    let idle = phase(&server, "idle", None).await;
    idle.print("idle");
    let loaded = phase(&server, "loaded", Some(reviewers)).await;
    loaded.print(&format!("under {REVIEWERS} reviewers"));
    server.shutdown().await;
}

#[derive(Default)]
struct Figures {
    notify_ms: Vec<f64>,
    sse_ms: Vec<f64>,
    /// Escalations whose notice or event was not seen within 30 s.
    missed: usize,
    load: Option<load::Measured>,
}

impl Figures {
    fn print(mut self, name: &str) {
        // In escalation order, to tell a slow start from a slow tail.
        let order: Vec<String> = self.notify_ms.iter().map(|ms| format!("{ms:.0}")).collect();
        let line = |what: &str, values: &mut Vec<f64>| {
            values.sort_by(f64::total_cmp);
            let at = |q: f64| {
                values
                    .get(((values.len().saturating_sub(1)) as f64 * q).round() as usize)
                    .copied()
                    .unwrap_or(f64::NAN)
            };
            println!(
                "  {what}: n {}, p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
                values.len(),
                at(0.5),
                at(0.95),
                at(1.0)
            );
        };
        println!("{name}:");
        line("applied → Notify on D-Bus", &mut self.notify_ms);
        line("applied → SSE event (baseline)", &mut self.sse_ms);
        println!("  missed: {}", self.missed);
        println!(
            "  applied → Notify in escalation order (ms): {}",
            order.join(" ")
        );
        if let Some(load) = &self.load {
            println!(
                "  load meanwhile: {:.0} decisions/s ({} in {:.1} s), {} errors",
                load.rate(),
                load.decisions,
                load.elapsed.as_secs_f64(),
                load.errors
            );
        }
    }
}

fn millis_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// One senior (a desktop core syncing, holding its prefetch target of review work) and one reviewer
/// who escalates `ESCALATIONS` items one by one; with `reviewers`, those work meanwhile.
async fn phase(server: &RunningServer, name: &str, reviewers: Option<Vec<String>>) -> Figures {
    let state = &server.state;
    let url = server.url();
    let senior = auth::add_user(
        &state.db,
        &format!("senior-{name}"),
        Role::Senior,
        state.now(),
    )
    .await
    .expect("senior");
    let admin = auth::add_user(
        &state.db,
        &format!("admin-{name}"),
        Role::Admin,
        state.now(),
    )
    .await
    .expect("admin");
    let escalator = auth::add_user(
        &state.db,
        &format!("escalator-{name}"),
        Role::Reviewer,
        state.now(),
    )
    .await
    .expect("escalator");

    let store_dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(store_dir.path()).await.expect("store");
    let engine = SyncEngine::new(
        store,
        QueueClient::new(&url, Token::new(senior.clone())).expect("client"),
        Arc::new(DesktopNotifier::default()),
        Arc::new(SystemClock),
    );
    let first = engine.sync_once().await.expect("the senior's first pull");
    println!("  {name}: the senior holds {} review items", first.pulled);
    let watching = tokio::spawn({
        let engine = engine.clone();
        async move { engine.watch().await }
    });

    // The work to escalate, at the top of the queue so that the escalator's pull takes just it.
    let run = uuid::Uuid::now_v7().simple().to_string();
    let title = |n: usize| format!("bench escalation {run} #{n:02}");
    let to_escalate: Vec<_> = (0..ESCALATIONS)
        .map(|n| {
            let mut item = fixtures::new_item(
                &format!("bench-escalate-{run}-{n}"),
                "transaction",
                0.8,
                "medium",
            );
            item.title = title(n);
            item.priority = 100;
            item
        })
        .collect();
    items::submit_all(state, "bench-producer", &to_escalate)
        .await
        .expect("submit");
    let http = countersign_testkit::http_client();
    let client_id = ClientId::new_v7();
    let post = |what: &str, body: serde_json::Value| {
        http.post(format!("{url}/v1/sync/{what}"))
            .bearer_auth(&escalator)
            .json(&body)
            .send()
    };
    let held: PullResponse = post("pull", json!({"client_id": client_id, "cursor": null}))
        .await
        .expect("pull")
        .json()
        .await
        .expect("pull response");
    let mut held: Vec<_> = held
        .assignments
        .into_iter()
        .filter(|a| a.item.title.starts_with(&format!("bench escalation {run}")))
        .collect();
    held.sort_by(|a, b| a.item.title.cmp(&b.item.title));
    assert_eq!(held.len(), ESCALATIONS, "the escalator holds the work");

    // The baseline: the same senior's event stream, read as it arrives.
    let (events, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let listening = tokio::spawn({
        let remote = QueueClient::new(&url, Token::new(senior)).expect("client");
        async move {
            let mut stream = remote.events().await.expect("events");
            while let Ok(Some(event)) = stream.next().await {
                if event.known_name() == Some(countersign_domain::EventName::Assignments) {
                    let _ = events.send(SystemClock.now());
                }
            }
        }
    });

    let progress = Arc::new(load::Progress::default());
    let load = reviewers
        .map(|tokens| {
            let (url, progress) = (url.clone(), progress.clone());
            tokio::spawn(
                async move { load::run_reviewers(&[url], tokens, 5, LOADED, progress).await },
            )
        })
        .into_iter()
        .next();
    if load.is_some() {
        // Measured in the load's stride: the 200 reviewers' simultaneous first pulls (a start-up
        // burst every pull queues behind) are timed on their own, and the escalations start after.
        let warming = std::time::Instant::now();
        while progress
            .first_pulls
            .load(std::sync::atomic::Ordering::Relaxed)
            < REVIEWERS
            && warming.elapsed() < WARM_UP_LIMIT
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "  {name}: the reviewers' first pulls (the start-up burst) took {:.1} s",
            warming.elapsed().as_secs_f64()
        );
    }

    let mut figures = Figures::default();
    for (n, assignment) in held.iter().enumerate() {
        while heard.try_recv().is_ok() {}
        let mutation = fixtures::decision(MutationId(n as u64 + 1), assignment, Action::Escalate);
        let sent = SystemClock.now();
        let pushed: PushResponse = post(
            "push",
            json!({"client_id": client_id, "mutations": [mutation]}),
        )
        .await
        .expect("push")
        .json()
        .await
        .expect("push response");
        assert_eq!(
            pushed.results.first().map(|r| r.status),
            Some(countersign_domain::MutationStatus::Applied),
            "escalation {n} applied"
        );
        let escalated: Item = http
            .get(format!("{url}/v1/items/{}", assignment.item.id))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("read the item")
            .json()
            .await
            .expect("the item");
        let applied = escalated
            .decisions
            .iter()
            .rev()
            .find(|decision| decision.action == Action::Escalate)
            .expect("the escalate decision")
            .at;
        let wanted = title(n);
        let shown = tokio::task::spawn_blocking(move || {
            notification_daemon::wait_for(&wanted, Duration::from_secs(30))
        })
        .await
        .expect("the log reader");
        match shown.and_then(|s| s.at()) {
            Some(at) => figures.notify_ms.push(millis_between(applied, at)),
            None => figures.missed += 1,
        }
        let event = loop {
            match heard.try_recv() {
                Ok(at) if at >= sent => break Some(at),
                Ok(_) => {}
                Err(_) => break None,
            }
        };
        match event {
            Some(at) => figures.sse_ms.push(millis_between(applied, at)),
            None => figures.missed += 1,
        }
        tokio::time::sleep(SPACING).await;
    }
    watching.abort();
    listening.abort();
    if let Some(load) = load {
        figures.load = Some(load.await.expect("the reviewers"));
    }
    figures
}
