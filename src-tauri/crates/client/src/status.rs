//! What the UI's status bar and `countersign-cli status` show; never fails because the server is down.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use countersign_domain::{ClientId, MutationId};
use serde::Serialize;

use crate::model::NotificationStatus;
use crate::notify::{self, Notifier};
use crate::remote::{QueueClient, Token};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// The server answered its health check just now.
    pub online: bool,
    /// Decisions not yet acknowledged by the server.
    pub pending: i64,
    /// Of those, not yet sent even once (these can still be undone).
    pub unsent: i64,
    /// Unresolved conflicts.
    pub conflicts: i64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub notifications: NotificationStatus,
    pub server: String,
    pub client_id: ClientId,
    pub last_acknowledged_mutation_id: MutationId,
    pub next_mutation_id: MutationId,
    pub assignments: i64,
}

/// Gathers the status, probing the server and the notification service for at most `probe_timeout` each.
pub async fn status_report(
    store: &Store,
    server_url: &str,
    notifier: Arc<dyn Notifier>,
    probe_timeout: Duration,
) -> Result<StatusReport, StoreError> {
    let state = store.sync_state().await?;
    // Liveness needs no token, so the status works logged out too.
    let online = match QueueClient::new(server_url, Token::new("")) {
        Ok(remote) => remote.healthy(probe_timeout).await,
        Err(_) => false,
    };
    Ok(StatusReport {
        online,
        pending: store.pending_count().await?,
        unsent: store.unsent_count().await?,
        conflicts: store.unresolved_conflict_count().await?,
        last_sync: state.last_sync,
        last_error: state.last_error,
        notifications: notify::probe(notifier, probe_timeout).await,
        server: server_url.to_owned(),
        client_id: state.client_id,
        last_acknowledged_mutation_id: state.last_acked_mutation_id,
        next_mutation_id: state.next_mutation_id,
        assignments: store.count_assignments().await?,
    })
}
