//! The sync engine: thin I/O around the planning functions in [`crate::plan`].

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::{DateTime, Utc};
use countersign_domain::kind::KindList;
use countersign_domain::{ApiErrorCode, EventName, ItemId, PullRequest, PullResponse, PushRequest};
use serde::Serialize;
use tokio::sync::Notify;

use crate::Clock;
use crate::model::NotificationStatus;
use crate::notify::{self, Notifier};
use crate::plan::{self, BatchLimits, PlanError};
use crate::preferences::NotificationPreferences;
use crate::remote::{QueueClient, RemoteError};
use crate::store::{Store, StoreError};

/// Items the server gave no `warn_at` raise a "due soon" notification when due within this window.
pub const DUE_SOON_WITHIN: chrono::Duration = chrono::Duration::hours(1);
/// In watch mode, how often the outbox is checked for decisions whose undo window has passed (or made by
/// another process) and the store for "due soon" warnings whose `warn_at` has come. A poll of the
/// injected clock rather than a timer until the earliest time, so a clock that jumps (a suspended
/// laptop, a test's manual clock) is followed within this.
const OUTBOX_POLL: Duration = Duration::from_secs(1);
/// In watch mode, a pull at least this often even without events: it renews the leases.
const PERIODIC_PULL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(
        "the server answered none of the {0} mutations sent: it is missing earlier ones from this client \
         and stops at the gap. Nothing was lost locally; report this to the queue's operator"
    )]
    NoProgress(usize),
}

impl SyncError {
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Remote(error) => error.is_transient(),
            // SQLITE_BUSY after the busy timeout: another process held the store for long.
            SyncError::Store(StoreError::Sql(_)) => true,
            _ => false,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub applied: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub removed: usize,
    pub kept_with_unsent_decision: usize,
    pub notified: usize,
    pub notifications: Option<NotificationStatus>,
}

/// Notices shown by one step of a round.
#[derive(Debug, Default)]
struct Notified {
    count: usize,
    status: Option<NotificationStatus>,
}

impl SyncReport {
    fn add(&mut self, notified: Notified) {
        self.notified += notified.count;
        if notified.status.is_some() {
            self.notifications = notified.status;
        }
    }
}

/// One page of a round's pull as the server answered it (docs/protocol.md, "Paged pulls").
struct PulledPage {
    response: PullResponse,
    /// The answer replaces the cache: a first pull, or a fresh start after a refused cursor.
    full_snapshot: bool,
    /// The openings this page's request reported: forgotten once the page is applied.
    opened: Vec<ItemId>,
}

#[derive(Clone)]
pub struct SyncEngine {
    store: Store,
    remote: QueueClient,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    limits: BatchLimits,
    /// The `max_grants` of the first page of each round's pull (docs/protocol.md, "Paged pulls").
    first_pull_page: u32,
    /// How long a decision waits in the outbox before it is sent, in milliseconds: the time it can still
    /// be undone online. Shared by every clone, so a changed setting reaches the running watch loop.
    undo_window_ms: Arc<AtomicI64>,
    /// Which notices are shown; shared by every clone like the undo window.
    preferences: Arc<RwLock<NotificationPreferences>>,
}

impl SyncEngine {
    pub fn new(
        store: Store,
        remote: QueueClient,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            remote,
            notifier,
            clock,
            limits: BatchLimits::default(),
            first_pull_page: plan::FIRST_PULL_PAGE,
            undo_window_ms: Arc::new(AtomicI64::new(0)),
            preferences: Arc::default(),
        }
    }

    /// Asks for `first` new leases in the first page of each round's pull instead of
    /// [`plan::FIRST_PULL_PAGE`] (at least 1): tests page through small prefetches this way.
    pub fn with_first_pull_page(mut self, first: u32) -> Self {
        self.first_pull_page = first.max(1);
        self
    }

    pub fn with_notification_preferences(self, preferences: NotificationPreferences) -> Self {
        self.set_notification_preferences(preferences);
        self
    }

    /// Changes which notices this engine and its clones show, from the next notice on.
    pub fn set_notification_preferences(&self, preferences: NotificationPreferences) {
        match self.preferences.write() {
            Ok(mut current) => *current = preferences,
            // A panic elsewhere while holding the lock left a whole value there: replace it.
            Err(poisoned) => *poisoned.into_inner() = preferences,
        }
    }

    pub fn notification_preferences(&self) -> NotificationPreferences {
        match self.preferences.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Holds each decision back for `window` after it was made, so it can still be undone while online.
    /// The decision is durable in the outbox at once; only sending waits, so a crash inside the window
    /// sends it at the next start.
    pub fn with_undo_window(self, window: chrono::Duration) -> Self {
        self.set_undo_window(window);
        self
    }

    /// Changes the window for this engine and its clones, from their next round on.
    pub fn set_undo_window(&self, window: chrono::Duration) {
        self.undo_window_ms
            .store(window.num_milliseconds().max(0), Ordering::Relaxed);
    }

    pub fn undo_window(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.undo_window_ms.load(Ordering::Relaxed))
    }

    /// One push of everything unacknowledged, then one pull, in pages when the server has more to
    /// grant than a page (docs/protocol.md, "Paged pulls"). Records online/offline either way.
    /// Then raises the "due soon" warnings whose time has come, online or not.
    pub async fn sync_once(&self) -> Result<SyncReport, SyncError> {
        self.sync_paged(&mut |_| {}).await
    }

    /// [`sync_once`](Self::sync_once), calling `after_page` with the report so far after each page
    /// of the pull that more pages follow (docs/protocol.md, "Paged pulls"), so that a shell can
    /// show each page as it lands.
    pub async fn sync_paged(
        &self,
        after_page: &mut (dyn FnMut(&SyncReport) + Send),
    ) -> Result<SyncReport, SyncError> {
        let mut result = self.round(after_page).await;
        self.record_round(&result).await;
        // Warnings need no server: an offline round raises them as well.
        let warned = self.warn_due().await;
        match (&mut result, warned) {
            (Ok(report), Ok(warned)) => report.add(warned),
            (Ok(_), Err(error)) => return Err(error),
            (Err(_), Ok(_)) => {}
            (Err(_), Err(error)) => tracing::warn!(%error, "cannot raise due-soon warnings"),
        }
        result
    }

    async fn record_round(&self, result: &Result<SyncReport, SyncError>) {
        let (online, error) = match result {
            Ok(_) => (true, None),
            Err(SyncError::Remote(e)) if e.is_transient() => (false, Some(e.to_string())),
            Err(e) => (true, Some(e.to_string())),
        };
        let synced_at = result.is_ok().then(|| self.clock.now());
        if let Err(record_error) = self
            .store
            .record_connectivity(online, error.as_deref(), synced_at)
            .await
        {
            tracing::warn!(%record_error, "could not record the sync state");
        }
    }

    /// Sends every decision and release in the outbox now, the undo window's wait skipped (each is
    /// already durable), without a pull: ending a shift must not fetch new work. Records online/offline
    /// like a round.
    pub async fn upload_now(&self) -> Result<SyncReport, SyncError> {
        let result = async {
            self.store.bind_server(self.remote.server_url()).await?;
            let client_id = self.store.sync_state().await?.client_id;
            let mut report = SyncReport::default();
            self.push_all(client_id, DateTime::<Utc>::MAX_UTC, &mut report)
                .await?;
            Ok(report)
        }
        .await;
        self.record_round(&result).await;
        result
    }

    /// Raises the "due soon" warnings of open items whose `warn_at` has passed.
    async fn warn_due(&self) -> Result<Notified, SyncError> {
        let due = self.store.raise_due_warnings(self.clock.now()).await?;
        self.notify(due).await
    }

    /// Shows notices for those of `requests` (already recorded as raised) the reviewer's preferences let
    /// through, and records whether that worked. The rest stay unseen but in the inbox.
    async fn notify(&self, requests: Vec<plan::NotifyRequest>) -> Result<Notified, SyncError> {
        let now = self.clock.now();
        let local_time = now.with_timezone(&chrono::Local).time();
        let preferences = self.notification_preferences();
        let requests: Vec<plan::NotifyRequest> = requests
            .into_iter()
            .filter(|request| preferences.shows(request, now, local_time))
            .collect();
        if requests.is_empty() {
            return Ok(Notified::default());
        }
        let status = self.show(notify::notices_for(&requests)).await?;
        Ok(Notified {
            count: requests.len(),
            status: Some(status),
        })
    }

    /// Shows `notices` and records whether the notification server took them.
    async fn show(&self, notices: Vec<notify::Notice>) -> Result<NotificationStatus, SyncError> {
        let status = notify::deliver(self.notifier.clone(), notices, notify::NOTIFY_TIMEOUT).await;
        self.store.record_notification_status(&status).await?;
        Ok(status)
    }

    /// Shows the notice of an `escalation` event's item now (once per item: the pull that brings it
    /// raises nothing more), so a senior hears of it without waiting for that pull; likewise a
    /// `mention` event's (once per item: later comments are in its history). Malformed data is
    /// logged and dropped: the pull still brings an escalated item and its notice.
    async fn notify_event<N: serde::de::DeserializeOwned>(
        &self,
        data: &str,
        request: fn(N) -> plan::NotifyRequest,
    ) {
        let request = match serde_json::from_str(data) {
            Ok(notice) => request(notice),
            Err(error) => {
                tracing::warn!(%error, "an event with unreadable data");
                return;
            }
        };
        let raised = match self.store.raise_notice(&request, self.clock.now()).await {
            Ok(raised) => raised,
            Err(error) => {
                tracing::warn!(%error, reason = request.reason.as_str(), "cannot record a notice");
                return;
            }
        };
        if raised && let Err(error) = self.notify(vec![request]).await {
            tracing::warn!(%error, "cannot show a notice");
        }
    }

    /// Tells a senior at once that a member of their team fell below the gold minimum (docs/protocol.md,
    /// "Gold items"): the event comes once, when the accuracy falls below, and the analytics view's
    /// gold report keeps showing it. Muted teams and quiet hours apply; malformed data is logged and
    /// dropped.
    async fn notify_gold_alert(&self, data: &str) {
        let alert: countersign_domain::GoldAlert = match serde_json::from_str(data) {
            Ok(alert) => alert,
            Err(error) => {
                tracing::warn!(%error, "a gold_alert event with unreadable data");
                return;
            }
        };
        let local_time = self.clock.now().with_timezone(&chrono::Local).time();
        if !self
            .notification_preferences()
            .shows_team_notice(&alert.team, local_time)
        {
            return;
        }
        if let Err(error) = self.show(vec![notify::gold_alert_notice(&alert)]).await {
            tracing::warn!(%error, "cannot record the notification status");
        }
    }

    async fn round(
        &self,
        after_page: &mut (dyn FnMut(&SyncReport) + Send),
    ) -> Result<SyncReport, SyncError> {
        self.store.bind_server(self.remote.server_url()).await?;
        let state = self.store.sync_state().await?;
        let mut report = SyncReport::default();
        let due_by = self.clock.now() - self.undo_window();
        self.push_all(state.client_id, due_by, &mut report).await?;
        let mut page = self.first_page(state.client_id, state.cursor).await?;
        for number in 1.. {
            self.apply_page(&page, &mut report).await?;
            if !plan::pull_another_page(&page.response, number) {
                break;
            }
            // This page is in the store: the shell shows it while the next one arrives, and the
            // status says the server answers (a first start would still say offline).
            self.store.record_connectivity(true, None, None).await?;
            after_page(&report);
            // Asked for only now that this page is in the store: the next request's cursor tells the
            // queue that this page's removals were applied, and it forgets them (docs/protocol.md,
            // "The cursor"). Asked for while this page was still being written, a round cut short
            // there left the client showing an item the queue had taken back.
            let request = PullRequest {
                client_id: state.client_id,
                cursor: Some(page.response.cursor.clone()),
                opened: Vec::new(),
                max_grants: Some(plan::pull_page_size(self.first_pull_page, number)),
            };
            page = PulledPage {
                response: self.remote.pull(&request).await?,
                full_snapshot: false,
                opened: Vec::new(),
            };
        }
        Ok(report)
    }

    async fn push_all(
        &self,
        client_id: countersign_domain::ClientId,
        due_by: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        while let Some(batch) = self.store.claim_due_push_batch(self.limits, due_by).await? {
            // Read before sending: another process syncing the same directory may record a higher mark
            // meanwhile, and the server's answer to this push is only bound to be at or above this one.
            let acked = self.store.sync_state().await?.last_acked_mutation_id;
            let response = self
                .remote
                .push(&PushRequest {
                    client_id,
                    mutations: batch.mutations.clone(),
                })
                .await?;
            // Against the store's counter, not this batch's: another process may have numbered and sent
            // more since this batch was claimed.
            plan::check_server_counter(
                response.last_mutation_id,
                self.store.next_mutation_id().await?,
            )?;
            let outcome = plan::read_push_response(&batch.mutations, &response, acked)?;
            let applied = self
                .store
                .apply_push_outcome(&batch.mutations, &outcome, self.clock.now())
                .await?;
            report.pushed += batch.mutations.len();
            report.applied += applied.applied;
            report.conflicts += applied.conflicts;
            report.rejected += applied.rejected;
            if outcome.acks.is_empty() {
                return Err(SyncError::NoProgress(batch.mutations.len()));
            }
            if !outcome.unanswered.is_empty() {
                // The server stopped early; the rest goes again next round under the same ids.
                break;
            }
        }
        Ok(())
    }

    /// The first page of a round's pull, with the openings to report; not yet applied.
    async fn first_page(
        &self,
        client_id: countersign_domain::ClientId,
        cursor: Option<String>,
    ) -> Result<PulledPage, SyncError> {
        let mut full_snapshot = cursor.is_none();
        let opened = self.store.opened_unreported().await?;
        let max_grants = Some(plan::pull_page_size(self.first_pull_page, 0));
        let response = match self
            .remote
            .pull(&PullRequest {
                client_id,
                cursor,
                opened: opened.clone(),
                max_grants,
            })
            .await
        {
            // The server no longer knows this cursor (its database was restored, say): it asks for a
            // fresh start, which a full snapshot is. Without this the client would be stuck for good.
            Err(RemoteError::Server {
                status: 422, code, ..
            }) if code == ApiErrorCode::InvalidCursor && !full_snapshot => {
                tracing::warn!("the server refused the sync cursor; pulling a full snapshot");
                full_snapshot = true;
                self.remote
                    .pull(&PullRequest {
                        client_id,
                        cursor: None,
                        opened: opened.clone(),
                        max_grants,
                    })
                    .await?
            }
            other => other?,
        };
        Ok(PulledPage {
            response,
            full_snapshot,
            opened,
        })
    }

    /// Applies one page of a round's pull to the store and adds it to `report`.
    async fn apply_page(
        &self,
        page: &PulledPage,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let PulledPage {
            response,
            full_snapshot,
            opened,
        } = page;
        let full_snapshot = *full_snapshot;
        plan::check_server_counter(
            response.last_mutation_id,
            self.store.next_mutation_id().await?,
        )?;
        // The kinds are fetched before anything is applied, so a refused kinds answer leaves the store
        // as it was, and the pulled items render with their kinds at once.
        // Each kind once: a cold sync of 10,000 items holds a handful of kinds, and the store looks
        // each one up.
        let pulled_kinds: Vec<String> = response
            .assignments
            .iter()
            .map(|assignment| assignment.item.kind.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let kinds = self.kinds_if_due(full_snapshot, &pulled_kinds).await?;
        let applied = self
            .store
            .apply_pull(response, full_snapshot, self.clock.now(), DUE_SOON_WITHIN)
            .await?;
        if let Some(kinds) = kinds {
            self.store
                .replace_kinds(&kinds, &pulled_kinds, self.clock.now())
                .await?;
        }
        // Only an answer the store accepted counts as reported: a refused one leaves the store as it was.
        self.store.forget_reported_openings(opened).await?;
        // Indexed apart from the pull's transaction (migrations/0007_search.sql says why), so the
        // pulled items are searchable before the next search has to do it.
        self.store.index_stale().await?;
        report.pulled += applied.upserted;
        report.removed += applied.removed;
        report.kept_with_unsent_decision += applied.kept_with_unsent_decision;
        report.add(self.notify(applied.notify).await?);
        Ok(())
    }

    /// The registered kinds, fetched when [`plan::kinds_due`] says so; a malformed answer is an error.
    async fn kinds_if_due(
        &self,
        full_snapshot: bool,
        pulled: &[String],
    ) -> Result<Option<KindList>, SyncError> {
        let unknown = self.store.unknown_kinds(pulled).await?;
        let fetched_at = self.store.kinds_fetched_at().await?;
        if !plan::kinds_due(
            full_snapshot,
            !unknown.is_empty(),
            fetched_at,
            self.clock.now(),
        ) {
            return Ok(None);
        }
        let list = match self.remote.kinds().await {
            // A queue from before kinds as data has no such endpoint: it registers none.
            Err(RemoteError::Server { status: 404, .. }) => KindList { kinds: Vec::new() },
            other => other?,
        };
        plan::check_kinds(&list)?;
        Ok(Some(list))
    }

    /// Keeps syncing until the future returned is dropped: after local decisions, on server events,
    /// periodically, and with exponential backoff and jitter while the server is unreachable.
    pub async fn watch(&self) {
        self.watch_reporting(|_| {}).await;
    }

    /// [`watch`](Self::watch), calling `after_round` with each round's outcome (the desktop shell pushes
    /// its status and inbox events from there).
    pub async fn watch_reporting(
        &self,
        mut after_round: impl FnMut(Result<&SyncReport, &SyncError>) + Send,
    ) {
        let wake = Arc::new(Notify::new());
        // Aborted when this future is dropped, so the listener never outlives the loop.
        let _events = AbortOnDrop(tokio::spawn(listen_for_events(self.clone(), wake.clone())));
        let mut backoff = retry_delays();
        loop {
            let result = self.sync_paged(&mut |so_far| after_round(Ok(so_far))).await;
            after_round(result.as_ref());
            match result {
                Ok(report) => {
                    backoff = retry_delays();
                    if report != SyncReport::default() {
                        tracing::info!(?report, "synced");
                    }
                    self.wait_for_work(&wake).await;
                }
                Err(error) => {
                    let delay = backoff.next().unwrap_or(Duration::from_secs(30));
                    if error.is_transient() {
                        tracing::warn!(%error, ?delay, "offline; retrying");
                    } else {
                        tracing::error!(%error, ?delay, "sync failed; retrying");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = wake.notified() => {}
                        () = self.warning_due() => {}
                    }
                }
            }
        }
    }

    /// Returns once an open item's `warn_at` has come and its warning is not raised yet.
    async fn warning_due(&self) {
        loop {
            tokio::time::sleep(OUTBOX_POLL).await;
            match self.store.warning_due(self.clock.now()).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "cannot read the due-soon warnings"),
            }
        }
    }

    /// Returns when a server event arrives, a local decision's undo window has passed, a "due soon"
    /// warning is due, or a periodic pull is due.
    async fn wait_for_work(&self, wake: &Notify) {
        let outbox_has_work = async {
            loop {
                tokio::time::sleep(OUTBOX_POLL).await;
                match self.store.oldest_unsent_time().await {
                    Ok(Some(made)) if made + self.undo_window() <= self.clock.now() => return,
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "cannot read the outbox"),
                }
            }
        };
        tokio::select! {
            () = wake.notified() => {}
            () = outbox_has_work => {}
            () = self.warning_due() => {}
            () = tokio::time::sleep(PERIODIC_PULL) => {}
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn retry_delays() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(Duration::from_millis(500))
        .with_max_delay(Duration::from_secs(30))
        .without_max_times()
        .build()
}

/// Holds `GET /v1/events` open and wakes the sync loop on each `assignments` event, telling the
/// reviewer at once of an `escalation` event's item (and a senior of a `gold_alert`); reconnects with
/// backoff. An event lost while
/// disconnected costs only latency: the periodic pull catches up (and raises any notice missed).
async fn listen_for_events(engine: SyncEngine, wake: Arc<Notify>) {
    let mut backoff = retry_delays();
    loop {
        match engine.remote.events().await {
            Ok(mut stream) => {
                backoff = retry_delays();
                // Anything may have changed while we were not listening.
                wake.notify_one();
                loop {
                    match stream.next().await {
                        Ok(Some(event)) => match event.known_name() {
                            Some(EventName::Assignments) => wake.notify_one(),
                            Some(EventName::Escalation) => {
                                engine
                                    .notify_event(&event.data, plan::NotifyRequest::escalation)
                                    .await;
                                wake.notify_one();
                            }
                            Some(EventName::Mention) => {
                                engine
                                    .notify_event(&event.data, plan::NotifyRequest::mention)
                                    .await;
                            }
                            Some(EventName::GoldAlert) => {
                                engine.notify_gold_alert(&event.data).await;
                            }
                            Some(EventName::Items) | None => {}
                        },
                        Ok(None) => break,
                        Err(error) => {
                            tracing::debug!(%error, "events stream broke");
                            break;
                        }
                    }
                }
            }
            Err(error) => tracing::debug!(%error, "events stream unavailable"),
        }
        tokio::time::sleep(backoff.next().unwrap_or(Duration::from_secs(30))).await;
    }
}
