//! The local store: SQLite through sqlx, shared safely by several processes on one data directory.
//!
//! Every write that matters runs in a transaction opened with `BEGIN IMMEDIATE`, which takes SQLite's
//! single write lock up front: two writers (a deciding UI and a syncing process) are serialised instead of
//! failing half-way with SQLITE_BUSY on lock upgrade, and busy_timeout lets the second one wait its turn.
//! `synchronous=FULL` is set on every connection, so every commit (a decision in particular) is on disk
//! before the call returns, even across a power cut.
//!
//! One module per job: `inbox` (reading pages), `outbox` (deciding, undoing, pushing), `pull` (applying
//! what the server sent), `opened` (openings the next pull reports), `kinds` (the server's registered
//! kinds as last fetched), `notices` (notifications raised once per item), `search` (the full-text
//! index and related items), `bulk` (one action on many items), `views` (saved views), `story`
//! (comments into the outbox, items' histories as last fetched), `conflicts`,
//! `drafts`, and `codec` (columns to model values and back).

/// Anchors into long inbox lists, for pages at any offset.
mod anchors;
mod blind;
mod bulk;
mod codec;
mod conflicts;
mod drafts;
/// The reviewer's own decisions as the fatigue formulas read them.
mod fatigue;
mod inbox;
mod kinds;
mod notices;
mod opened;
mod outbox;
mod pull;
mod search;
mod story;
mod views;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use countersign_domain::{ClientId, ItemId};
use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::bulk::BulkError;
use crate::decision::DecisionError;
use crate::model::{AssignmentStatus, NotificationStatus, SyncState};
use crate::plan::PlanError;
use crate::search::QueryError;
use crate::views::ViewError;
use codec::{read_sync_state, timestamp};

pub use anchors::ANCHOR_STRIDE;
pub use outbox::PushApplied;
pub use pull::PullApplied;
pub use search::{RANKED_MATCHES, RelatedItem, SearchHit, SearchPage};
pub use story::{CachedHistory, LocalComment};

/// The database file inside a data directory.
pub const DATABASE_FILE: &str = "countersign.db";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// What went wrong, in words about the store; a front end adds its own hints (flags, buttons) by variant.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open the local store {path}: {source}; check that the file is writable and not on a \
         network share"
    )]
    Open { path: PathBuf, source: sqlx::Error },
    #[error(
        "cannot bring the local store up to date: {0}; a newer version of Countersign may have used this \
         data directory"
    )]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "the local store failed: {0}; try again, and if it persists check disk space and permissions"
    )]
    Sql(#[from] sqlx::Error),
    #[error(
        "the local store holds a value it cannot read ({0}); it may have been written by a newer version"
    )]
    Corrupt(String),
    #[error("no assignment {0} is held here")]
    NotHeld(ItemId),
    #[error(
        "item {0} already holds a decision ({1}); undo it first if it has not been uploaded yet"
    )]
    AlreadyDecided(ItemId, AssignmentStatus),
    #[error("invalid decision: {0}")]
    InvalidDecision(#[from] DecisionError),
    #[error("there is no decision waiting to upload for item {0}, so there is nothing to undo")]
    NothingToUndo(ItemId),
    #[error(
        "the decision on item {0} has already been sent to the server and can no longer be undone"
    )]
    AlreadySent(ItemId),
    #[error(
        "this data directory syncs with {bound}, not {requested}: a client's mutation ids belong to one \
         server"
    )]
    ServerMismatch { bound: String, requested: String },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("cannot search for that: {0}")]
    Query(#[from] QueryError),
    #[error("cannot decide these together: {0}")]
    Bulk(#[from] BulkError),
    #[error("cannot keep that view: {0}")]
    View(#[from] ViewError),
    /// A comment with no text (docs/protocol.md, "Comments").
    #[error("a comment needs a text")]
    EmptyComment,
    /// A comment the server would refuse as `comment_too_long`.
    #[error("a comment has at most {0} characters")]
    CommentTooLong(usize),
}

/// Handle on one data directory's database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Where deep pages of the inbox start from; kept in memory, checked against the database.
    anchors: Arc<anchors::Anchors>,
}

impl Store {
    /// Opens (creating and migrating when needed) the store in `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Another process may hold the write lock for a whole pull; wait rather than fail.
            .busy_timeout(Duration::from_secs(15));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // A future dropped while `BEGIN IMMEDIATE` was under way (an aborted sync task, a
            // timeout) returns its connection to the pool still inside the transaction: sqlx 0.8's
            // SQLite begin is not cancel-safe (launchbadge/sqlx#3932). That connection would hold the
            // write lock while idle, and every decision, in this process and any other on the same
            // directory, would fail with "database is locked". So a connection released inside a
            // transaction is rolled back and closed (sqlx's own idea of its transaction depth is wrong
            // by then); on a clean one the ROLLBACK is a harmless error and it goes back to the pool.
            .after_release(|conn, _| {
                Box::pin(async move {
                    let was_in_transaction = sqlx::Executor::execute(&mut *conn, "ROLLBACK")
                        .await
                        .is_ok();
                    Ok(!was_in_transaction)
                })
            })
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.clone(),
                source,
            })?;
        migrate(&pool).await?;
        let store = Self {
            pool,
            anchors: Arc::new(anchors::Anchors::new(anchors::ANCHOR_STRIDE)),
        };
        store.ensure_sync_state().await?;
        Ok(store)
    }

    /// Creates the sync row with a fresh client id, unless another process already did.
    async fn ensure_sync_state(&self) -> Result<(), StoreError> {
        sqlx::query("INSERT OR IGNORE INTO sync_state (id, client_id) VALUES (1, ?)")
            .bind(ClientId::new_v7().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn begin_immediate(&self) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub async fn sync_state(&self) -> Result<SyncState, StoreError> {
        let row = sqlx::query("SELECT * FROM sync_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        read_sync_state(&row)
    }

    /// Binds this data directory to `server_url` on first use; refuses another server afterwards.
    pub async fn bind_server(&self, server_url: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_immediate().await?;
        let bound: Option<String> =
            sqlx::query_scalar("SELECT server_url FROM sync_state WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        match bound {
            Some(bound) if bound != server_url => {
                return Err(StoreError::ServerMismatch {
                    bound,
                    requested: server_url.to_owned(),
                });
            }
            Some(_) => {}
            None => {
                sqlx::query("UPDATE sync_state SET server_url = ? WHERE id = 1")
                    .bind(server_url)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves this data directory's binding to `server_url`. Only for a server known to be the same one
    /// under a new address (the desktop's embedded queue, which listens on a fresh loopback port each
    /// start over the same database): mutation ids belong to the server's database, not to its URL.
    pub async fn rebind_server(&self, server_url: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sync_state SET server_url = ? WHERE id = 1")
            .bind(server_url)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records how the last attempt to reach the server went.
    pub async fn record_connectivity(
        &self,
        online: bool,
        error: Option<&str>,
        synced_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sync_state SET online = ?, last_error = ?, last_sync = COALESCE(?, last_sync) \
             WHERE id = 1",
        )
        .bind(online)
        .bind(error)
        .bind(synced_at.map(timestamp))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn record_notification_status(
        &self,
        status: &NotificationStatus,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sync_state SET notification_status = ? WHERE id = 1")
            .bind(codec::to_json(status)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Runs the migrations. Two processes opening a fresh data directory at once can both try to apply
/// the first migration; the loser fails on "table exists" or a busy snapshot, and its retry finds the
/// migration recorded and does nothing.
async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut attempt = 0;
    loop {
        match MIGRATOR.run(pool).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < 5 => {
                tracing::debug!(%error, "migration raced with another process; retrying");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}
