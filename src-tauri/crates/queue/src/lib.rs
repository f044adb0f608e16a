//! The Countersign queue service: producers submit AI proposals, reviewers sync assignments and
//! push decisions, admins read the audit log and export feedback. See docs/protocol.md for the
//! wire contract. `router(state)` builds the HTTP app without I/O; [`start`] serves it for real.
//!
//! The public modules are what the binary, the desktop app's embedded queue, the benchmarks and
//! the tests use; routing, sync, events and metrics are internal.

mod audience;
pub mod audit;
pub mod audit_bundle;
pub mod audit_sample;
pub mod auth;
pub mod callbacks;
mod clock;
pub mod comments;
mod context;
pub mod db;
pub mod deadlines;
/// The demo's decided history, seeded through the real sync path (the `demo` feature).
#[cfg(feature = "demo")]
pub mod demo_history;
mod draw;
pub mod error;
mod events;
pub mod feedback;
pub mod gold;
pub mod health;
pub mod history;
mod http;
pub mod items;
pub mod kinds;
pub mod leases;
mod metrics;
pub mod policy;
pub mod related;
pub mod shadow;
pub mod signing;
/// The oversight statistics: who may read them, their window, the reports.
pub mod stats;
mod sync;
pub mod teams;
pub mod users;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::callbacks::CallbackAllow;
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::db::{Backend, Db};
pub use crate::http::{openapi_document, router};
pub use crate::policy::Policy;
use crate::webhook::WebhookSecret;

/// Everything a request handler or background task needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub policy: Arc<Policy>,
    pub clock: Arc<dyn Clock>,
    pub(crate) lease_duration: chrono::Duration,
    pub(crate) events: events::Events,
    pub(crate) metrics: Arc<metrics::Metrics>,
    /// Fired on shutdown: event streams close and background tasks stop.
    pub(crate) shutdown: CancellationToken,
    /// Wakes the webhook worker when something may have been queued.
    pub(crate) webhook_wake: Arc<Notify>,
    /// Which `callback_url`s submissions may give.
    pub callback_allow: Arc<CallbackAllow>,
    /// Registered kinds' compiled schemas, one per kind at its latest revision seen.
    pub(crate) kinds: Arc<kinds::KindCache>,
}

impl AppState {
    pub fn new(db: Db, policy: Policy, clock: Arc<dyn Clock>) -> AppState {
        let lease_duration = chrono::Duration::seconds(
            i64::try_from(policy.lease_seconds).unwrap_or(i64::MAX / 1_000_000),
        );
        AppState {
            db,
            policy: Arc::new(policy),
            lease_duration,
            clock,
            events: events::Events::default(),
            metrics: Arc::new(metrics::Metrics::default()),
            shutdown: CancellationToken::new(),
            webhook_wake: Arc::new(Notify::new()),
            callback_allow: Arc::new(CallbackAllow::default()),
            kinds: Arc::default(),
        }
    }
}

impl AppState {
    /// The current time at the precision the database keeps (microseconds), so that what a
    /// response says and what a later read returns are the same instant.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        db::from_micros(db::to_micros(self.clock.now()))
    }
}

/// How to run the service.
pub struct ServeOptions {
    pub database_url: String,
    pub listen: String,
    pub policy: Policy,
    /// `whsec_…`; when None the secret kept in the database is used (made on first start).
    pub webhook_secret: Option<String>,
    pub clock: Arc<dyn Clock>,
    /// `--callback-allow`: empty allows every `callback_url`.
    pub callback_allow: CallbackAllow,
}

impl ServeOptions {
    pub fn new(database_url: impl Into<String>) -> ServeOptions {
        ServeOptions {
            database_url: database_url.into(),
            listen: "127.0.0.1:0".into(),
            policy: Policy::builtin(),
            webhook_secret: None,
            clock: Arc::new(SystemClock),
            callback_allow: CallbackAllow::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] error::StoreError),
    #[error(transparent)]
    Secret(#[from] webhook::SecretError),
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// A service running in this process.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    tasks: tokio::task::JoinSet<()>,
}

/// How long shutdown waits for requests in flight before giving up on them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// How long a start on PostgreSQL waits for the event relay to listen before serving without it.
const RELAY_START_WAIT: Duration = Duration::from_secs(10);

/// Opens (creating and migrating) the database, binds, and serves in background tasks:
/// the HTTP API, the lease and deadline sweeper, the audit log's sealer, the webhook worker and, on
/// PostgreSQL, the event relay.
pub async fn start(options: ServeOptions) -> Result<RunningServer, StartError> {
    let db = Db::open(&options.database_url).await?;
    options.policy.check_teams(&db).await?;
    let secret = WebhookSecret::resolve(&db, options.webhook_secret.as_deref()).await?;
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: options.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: options.listen.clone(),
        source,
    })?;
    let mut state = AppState::new(db, options.policy, options.clock);
    state.callback_allow = Arc::new(options.callback_allow);
    let mut tasks = tokio::task::JoinSet::new();

    let app = router(state.clone());
    let shutdown = state.shutdown.clone();
    tasks.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "HTTP server stopped with an error");
        }
    });
    tasks.spawn(leases::run_sweeper(state.clone()));
    tasks.spawn(audit::run_sealer(state.clone()));
    tasks.spawn(webhook::run_worker(
        state.clone(),
        secret,
        state.webhook_wake.clone(),
    ));
    if state.db.backend == Backend::Postgres {
        let relay_state = state.clone();
        let url = options.database_url.clone();
        let (listening, relaying) = tokio::sync::oneshot::channel();
        tasks.spawn(async move {
            relay_state
                .events
                .relay_postgres(&url, relay_state.shutdown.clone(), listening)
                .await;
        });
        // Event streams opened from here on hear every change; if the relay is slow to listen, the
        // service starts anyway and clients catch up by their periodic pulls until it does.
        if tokio::time::timeout(RELAY_START_WAIT, relaying)
            .await
            .is_err()
        {
            tracing::warn!("the event relay is not listening yet; starting without it");
        }
    }
    Ok(RunningServer { addr, state, tasks })
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, closes event streams, lets requests in flight finish (up to
    /// [`SHUTDOWN_GRACE`]), stops background work and closes the database.
    pub async fn shutdown(mut self) {
        self.state.shutdown.cancel();
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("requests still running after the grace period were abandoned");
            self.tasks.abort_all();
        }
        self.state.db.pool.close().await;
    }

    /// Serves until `signal` resolves, then shuts down.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        let stopped = self.state.shutdown.clone();
        tokio::select! {
            () = signal => {}
            () = stopped.cancelled() => {}
        }
        self.shutdown().await;
    }
}
