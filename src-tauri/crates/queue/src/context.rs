//! [`SyncContext`]: one sync request inside its transaction, shared by pull, push and the lease
//! writes they make (`crate::leases`), so that none of them takes a long argument list.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use countersign_domain::ClientId;

use crate::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::Caller;
use crate::db::Tx;
use crate::error::StoreError;
use crate::events::Recipients;

/// One sync request inside its transaction: who asks, from which client, when, and what to
/// record when it commits.
pub(crate) struct SyncContext<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) caller: &'a Caller,
    pub(crate) client_id: ClientId,
    pub(crate) now: DateTime<Utc>,
    /// Appended to the audit log, in order, at the end of the transaction.
    pub(crate) audit: Vec<AuditEvent>,
    /// Told to pull again.
    pub(crate) recipients: HashSet<Recipients>,
}

impl<'a> SyncContext<'a> {
    pub(crate) fn new(state: &'a AppState, caller: &'a Caller, client_id: ClientId) -> Self {
        SyncContext {
            state,
            caller,
            client_id,
            now: state.now(),
            audit: Vec::new(),
            recipients: HashSet::new(),
        }
    }

    /// Writes the audit entries and announces the changes, inside the transaction.
    pub(crate) async fn record(self, tx: &mut Tx) -> Result<(), StoreError> {
        let db = &self.state.db;
        audit::append(tx, db.backend, self.now, &self.audit).await?;
        self.state.events.announce(db, tx, self.recipients).await
    }
}
