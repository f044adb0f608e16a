//! Reviewer sync: `pull` tops up and renews a user's leases; `push` applies mutations exactly
//! once per client. [`rules`] is the pure rule book for one mutation; the rest is I/O around it.
//! The wire contract is docs/protocol.md.

mod pull;
mod push;
pub(crate) mod rules;

use countersign_domain::ClientId;

use crate::context::SyncContext;
use crate::db::{Tx, col, to_micros};
use crate::error::StoreError;

pub use pull::pull;
pub use push::{MAX_MUTATIONS_PER_PUSH, push};

/// Why a sync request is refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("client {0} belongs to another user; each user needs a client id of their own")]
    ForeignClient(ClientId),
    #[error("the cursor was not issued to this client; pull with cursor null to start over")]
    BadCursor,
    #[error("a push carries at most {MAX_MUTATIONS_PER_PUSH} mutations")]
    TooManyMutations,
    #[error("max_grants must be at least 1; omit it to be granted up to the prefetch target")]
    NoGrantsAllowed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SyncError {
    fn from(error: sqlx::Error) -> Self {
        SyncError::Store(error.into())
    }
}

/// Ends a sync request's transaction work: a storage failure rolls the transaction back; a
/// refusal commits what was written before it (only a new client's registration) and is
/// answered as the request's result.
fn settle<T>(
    outcome: Result<T, SyncError>,
    tx: Tx,
) -> Result<(Result<T, SyncError>, Tx), StoreError> {
    match outcome {
        Err(SyncError::Store(error)) => Err(error),
        outcome => Ok((outcome, tx)),
    }
}

impl SyncContext<'_> {
    /// Finds or registers the client for the caller, locked for this transaction; returns its
    /// last mutation id and pull generation.
    async fn lock_client(&self, tx: &mut Tx) -> Result<(i64, i64), SyncError> {
        let lock = self.state.db.backend.for_update();
        let client_id = self.client_id.to_string();
        let caller = self.caller.name.as_str();
        let select = format!(
            "SELECT owner, last_mutation_id, pull_generation FROM clients WHERE id = $1{lock}"
        );
        let mut row = sqlx::query(&select)
            .bind(&client_id)
            .fetch_optional(&mut **tx)
            .await?;
        if row.is_none() {
            sqlx::query(
                "INSERT INTO clients (id, owner, last_mutation_id, pull_generation, created_at) \
                 VALUES ($1, $2, 0, 0, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&client_id)
            .bind(caller)
            .bind(to_micros(self.now))
            .execute(&mut **tx)
            .await?;
            row = Some(
                sqlx::query(&select)
                    .bind(&client_id)
                    .fetch_one(&mut **tx)
                    .await?,
            );
        }
        let row = row.ok_or_else(|| StoreError::corrupt("client row vanished"))?;
        let owner: String = col(&row, "owner")?;
        if owner != caller {
            return Err(SyncError::ForeignClient(self.client_id));
        }
        Ok((
            col(&row, "last_mutation_id")?,
            col(&row, "pull_generation")?,
        ))
    }
}
