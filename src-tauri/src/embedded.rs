//! The embedded default: with no server configured the app runs the queue service in-process on
//! loopback, over SQLite in the app's data directory, with demo work and a demo producer, so a newcomer
//! sees the whole loop on first start. It serves `Policy::demo` (three teams, each with its kind and
//! deadlines; docs/protocol.md, "Teams") and signs in as a senior of all three teams, so every kind
//! and every escalation still reaches the one demo reviewer. At the first start of a data directory
//! it first seeds two weeks of work decided by simulated reviewers, so the analytics view has data.

use std::path::Path;
use std::time::Duration;

use countersign_client::remote::Token;
use countersign_demo::DEMO_PRODUCER;
use countersign_domain::Risk;
use countersign_queue::auth::{self, UserError};
use countersign_queue::error::StoreError;
use countersign_queue::items::{self, ProduceError};
use countersign_queue::signing::{self, SigningError};
use countersign_queue::teams::{self, TeamError};
use countersign_queue::users;
use countersign_queue::{Db, Policy, RunningServer, ServeOptions};

/// The reviewer the app signs in as: a senior of every demo team, so every kind and its escalations
/// reach the inbox.
pub const DEMO_REVIEWER: &str = "demo-senior";
/// The demo reviewer's signing PIN, set at each start (docs/protocol.md, "Signatures"): the demo's
/// clinical approvals must be signed, and its reviewer never chose a PIN.
pub const DEMO_PIN: &str = "demo-pin";
/// Generated demo items seeded at every start, beside the fixed support replies and code changes,
/// after the demo kinds are registered; resubmitting an external id returns the existing item, so
/// this seeds once per data directory.
const SEED_ITEMS: usize = 24;
const SEED: u64 = 7;
/// How often the demo producer adds an item.
pub const PRODUCER_INTERVAL: Duration = Duration::from_secs(45);

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("the built-in demo queue could not start: {0}")]
    Start(#[from] countersign_queue::StartError),
    #[error("the built-in demo queue could not open its database: {0}")]
    Open(#[from] StoreError),
    #[error("the built-in demo queue could not set up its teams: {0}")]
    Team(#[from] TeamError),
    #[error("the built-in demo queue could not set up its users: {0}")]
    User(#[from] UserError),
    #[error("the built-in demo queue could not set the demo signing PIN: {0}")]
    Signing(#[from] SigningError),
    #[error("the built-in demo queue could not store its demo work: {0}")]
    Seed(#[from] ProduceError),
    #[error("the built-in demo queue could not add its gold items: {0}")]
    Gold(#[from] countersign_queue::gold::GoldError),
    #[error("the built-in demo queue could not seed its decided history: {0}")]
    History(#[from] countersign_queue::demo_history::HistoryError),
}

/// Starts the queue on 127.0.0.1 (a free port) over `dir/queue.db`, seeds it, and returns it with the
/// demo reviewer's token. The token lives only in memory: it is re-issued at each start and never stored.
pub async fn start(dir: &Path) -> Result<(RunningServer, Token), EmbeddedError> {
    let url = format!("sqlite://{}", dir.join("queue.db").display());
    let mut options = ServeOptions::new(url);
    options.policy = Policy::demo();
    // The demo policy names the demo teams, and a policy naming a missing team is refused at start.
    let db = Db::open(&options.database_url).await?;
    teams::ensure(&db, &teams::DEMO_TEAMS, options.clock.now()).await?;
    // At the first start, before any live work, two weeks of decided work by simulated reviewers
    // for the analytics view (README.md, "Oversight measures"); later starts add nothing.
    let seeded = countersign_queue::demo_history::seed(&db, options.clock.now()).await?;
    tracing::info!(?seeded, "demo history");
    db.pool.close().await;
    let server = countersign_queue::start(options).await?;
    let state = &server.state;
    let now = state.now();
    let token = match users::ensure_demo_senior(&state.db, DEMO_REVIEWER, now).await? {
        Some(token) => token,
        None => auth::rotate_token(&state.db, DEMO_REVIEWER).await?,
    };
    // Set afresh (the same PIN, which is also the current one) so that a restart keeps it working,
    // and unlocked: a demo locked by wrong PINs starts usable again.
    signing::unlock(state, "system", DEMO_REVIEWER).await?;
    signing::set_pin(state, DEMO_REVIEWER, &token, DEMO_PIN, Some(DEMO_PIN)).await?;
    let mut batch = countersign_demo::demo_items(SEED_ITEMS, SEED, now);
    batch.extend(countersign_demo::assistant_items(now));
    let kinds = countersign_demo::demo_kinds();
    items::submit_as_producer(state, DEMO_PRODUCER, &kinds, &batch).await?;
    // A few gold items, served to the demo reviewer at the demo teams' gold rate, so that the
    // analytics view has gold answers once they decide (docs/protocol.md, "Gold items").
    for gold in countersign_demo::gold_items(now) {
        countersign_queue::gold::add(state, "system", &gold).await?;
    }
    Ok((server, Token::new(token)))
}

/// Adds a demo item every [`PRODUCER_INTERVAL`], every third one high risk so it is escalated.
pub async fn run_producer(state: countersign_queue::AppState) {
    let mut produced: usize = 0;
    loop {
        tokio::time::sleep(PRODUCER_INTERVAL).await;
        produced += 1;
        let now = state.now();
        // demo_items(n) extends demo_items(n - 1): its last item is a fresh one of the mix.
        let Some(mut item) =
            countersign_demo::demo_items(SEED_ITEMS + produced, SEED + 1, now).pop()
        else {
            continue;
        };
        // A unique external id, or a restart would resubmit (and so not add) the same items.
        item.external_id = format!("{}-{}", item.external_id, uuid::Uuid::now_v7());
        if produced.is_multiple_of(3) {
            item.ai.risk = Risk::High;
        }
        // The kinds were registered at start.
        if let Err(error) = items::submit_as_producer(&state, DEMO_PRODUCER, &[], &[item]).await {
            tracing::warn!(%error, "the demo producer could not add an item");
        }
    }
}
