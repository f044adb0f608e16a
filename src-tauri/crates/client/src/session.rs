//! A reviewer's session with one queue server, shared by the desktop app and `countersign-cli`: which
//! server (settings, or the environment), the token (the OS keyring, or `COUNTERSIGN_TOKEN`), the local
//! store of that server (one data directory per server), who is signed in, and the sync task. No UI
//! types here: the shells turn these into their own commands and messages.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use countersign_domain::{ItemId, Me, Role};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::decision;
use crate::model::{DecisionInput, RecordedDecision};
use crate::notify::{self, DesktopNotifier, NoticeTarget, Notifier};
use crate::preferences::NotificationPreferences;
use crate::remote::{QueueClient, RemoteError, Token, normalise_server_url};
use crate::secrets::{CredentialError, OsKeyring, Secrets, TOKEN_ENV, resolve_token};
use crate::signing::{self, DecisionSigner, SigningError};
use crate::store::{Store, StoreError};
use crate::sync::SyncEngine;
use crate::{Clock, SystemClock};

/// The server to use instead of the settings (tests and headless use).
pub const SERVER_ENV: &str = "COUNTERSIGN_SERVER";
/// Where the local stores and settings live instead of the platform's default.
pub const DATA_DIR_ENV: &str = "COUNTERSIGN_DATA_DIR";
const SETTINGS_FILE: &str = "settings.json";
/// Not secret (a name and a role), kept beside the server's store for starts without a network.
const ME_FILE: &str = "me.json";

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error("cannot save the settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// A sign-off is signed with the reviewer's PIN (docs/protocol.md, "Signatures").
    #[error("this decision must be signed: enter your signing PIN")]
    PinNeeded,
    #[error("the queue has not said yet who is signed in; sign once while online")]
    UnknownSigner,
}

impl SessionError {
    /// The server does not take this token, or there is none: the reviewer has to sign in.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            SessionError::Remote(RemoteError::Unauthorized)
                | SessionError::Credential(CredentialError::NotLoggedIn(_))
        )
    }
}

/// What changed, for whoever shows it (the app's events, its tray).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Change {
    /// The inbox may show other rows now; otherwise only the status changed.
    pub inbox: bool,
    /// The reviewer clicked a notice: the app comes forward and opens this.
    pub open: Option<NoticeTarget>,
}

/// The app's undo window when the user has not chosen one, and the longest it may be.
pub const UNDO_WINDOW_DEFAULT_SECONDS: u32 = 5;
pub const UNDO_WINDOW_MAX_SECONDS: u32 = 30;

/// Not secret: the server the user chose, how long a decision waits before upload, and which
/// notifications to show. The token is in the keyring.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub server: Option<String>,
    /// `None`: [`UNDO_WINDOW_DEFAULT_SECONDS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_window_seconds: Option<u32>,
    #[serde(default)]
    pub notifications: NotificationPreferences,
}

impl Settings {
    /// The chosen undo window in seconds, within 0..=[`UNDO_WINDOW_MAX_SECONDS`].
    pub fn undo_window_seconds(&self) -> u32 {
        self.undo_window_seconds
            .unwrap_or(UNDO_WINDOW_DEFAULT_SECONDS)
            .min(UNDO_WINDOW_MAX_SECONDS)
    }

    pub fn undo_window(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.undo_window_seconds()))
    }

    /// The settings kept in `data_dir`; none when missing or unreadable.
    pub fn load(data_dir: &Path) -> Self {
        let Ok(text) = std::fs::read_to_string(data_dir.join(SETTINGS_FILE)) else {
            return Self::default();
        };
        serde_json::from_str(&text).unwrap_or_else(|error| {
            tracing::warn!(%error, "ignoring unreadable settings");
            Self::default()
        })
    }

    pub fn save(&self, data_dir: &Path) -> Result<(), SessionError> {
        let failed = |e: &dyn std::fmt::Display| SessionError::Settings(e.to_string());
        std::fs::create_dir_all(data_dir).map_err(|e| failed(&e))?;
        let text = serde_json::to_string_pretty(self).map_err(|e| failed(&e))?;
        std::fs::write(data_dir.join(SETTINGS_FILE), text).map_err(|e| failed(&e))
    }
}

/// The server to use: `COUNTERSIGN_SERVER`, else the settings' choice; `None` when neither names one.
pub fn configured_server(data_dir: &Path) -> Option<String> {
    if let Some(server) = std::env::var(SERVER_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        // One spelling per server, as sign-in stores it: the keyring entry and the store are keyed by it.
        // A malformed URL is kept as given, for the connection to report.
        let server = server.trim();
        return Some(normalise_server_url(server).unwrap_or_else(|_| server.to_owned()));
    }
    Settings::load(data_dir).server
}

/// The token for `server`: `COUNTERSIGN_TOKEN` when set, else the keyring's entry.
pub fn token_for(secrets: &dyn Secrets, server: &str) -> Result<Token, CredentialError> {
    resolve_token(std::env::var(TOKEN_ENV).ok(), secrets, server)
}

/// One local store per server: a store's mutation ids belong to one server.
pub fn store_dir(data_dir: &Path, server: &str) -> PathBuf {
    let slug: String = server
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    data_dir.join("servers").join(slug)
}

fn remember_me(dir: &Path, me: &Me) {
    let written = serde_json::to_string(me)
        .map_err(|e| e.to_string())
        .and_then(|text| std::fs::write(dir.join(ME_FILE), text).map_err(|e| e.to_string()));
    if let Err(error) = written {
        tracing::warn!(%error, "cannot remember who is signed in");
    }
}

fn remembered_me(dir: &Path) -> Option<Me> {
    let text = std::fs::read_to_string(dir.join(ME_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// A token the server accepted, kept in the keyring.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The server's one spelling (see [`normalise_server_url`]).
    pub server: String,
    pub token: Token,
    pub me: Me,
}

/// Checks `token` with `server` and keeps it in `secrets` (never in a file).
pub async fn sign_in(
    secrets: &dyn Secrets,
    server: &str,
    token: &str,
) -> Result<SignedIn, SessionError> {
    let server = normalise_server_url(server.trim())?;
    let token = Token::new(token.trim());
    let me = QueueClient::new(&server, token.clone())?.me().await?;
    secrets.store_token(&server, &token)?;
    Ok(SignedIn { server, token, me })
}

/// Keeps who signed in beside the server's store, so that the session opened next starts as them (an
/// admin's without sync) and not as whoever signed in to that server before.
pub fn remember_sign_in(data_dir: &Path, signed_in: &SignedIn) {
    let dir = store_dir(data_dir, &signed_in.server);
    match std::fs::create_dir_all(&dir) {
        Ok(()) => remember_me(&dir, &signed_in.me),
        Err(error) => tracing::warn!(%error, "cannot remember who is signed in"),
    }
}

/// Deletes the token of `server`, so the next start is signed out too. The local store and its outbox
/// stay: nothing decided is lost, and signing in again resumes the upload.
pub fn sign_out(secrets: &dyn Secrets, server: &str) -> Result<(), SessionError> {
    match secrets.forget_token(server) {
        // Without a keyring the token came from COUNTERSIGN_TOKEN and was never stored.
        Err(CredentialError::KeyringUnavailable(error)) => {
            tracing::warn!(%error, "no keyring to delete the token from");
            Ok(())
        }
        other => Ok(other?),
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A local store and, when signed in, the task that keeps it in sync. Dropping it stops its tasks.
pub struct Session {
    pub server: String,
    pub store: Store,
    pub me: Option<Me>,
    pub engine: Option<SyncEngine>,
    /// The server with this token, when signed in: the admin view's calls go through it.
    pub remote: Option<QueueClient>,
    /// Where this device's sealed signing key is kept (crate::signing).
    secrets: Arc<dyn Secrets>,
    tasks: Vec<AbortOnDrop>,
}

impl Session {
    /// The store of `server` (or the place a signed-out app keeps, when `server` is empty), not syncing.
    pub async fn signed_out(data_dir: &Path, server: &str) -> Result<Self, SessionError> {
        let dir = if server.is_empty() {
            data_dir.join("signed-out")
        } else {
            store_dir(data_dir, server)
        };
        Ok(Self {
            server: server.to_owned(),
            store: Store::open(&dir).await?,
            me: None,
            engine: None,
            remote: None,
            secrets: Arc::new(OsKeyring),
            tasks: Vec::new(),
        })
    }

    /// The session with `server`, or a signed-out one when there is no token or the server no longer
    /// takes it (a rotated token must not keep the app from opening).
    pub async fn open_or_signed_out(
        data_dir: &Path,
        server: &str,
        token: Result<Token, CredentialError>,
        changes: &mpsc::UnboundedSender<Change>,
    ) -> Result<Self, SessionError> {
        let session = match token {
            Ok(token) => Self::open(data_dir, server, token, changes).await,
            Err(error) => Err(error.into()),
        };
        match session {
            Err(error) if error.needs_sign_in() => {
                tracing::warn!(%error, "not signed in");
                Self::signed_out(data_dir, server).await
            }
            other => other,
        }
    }

    /// Signs in to `server` with `token` and starts syncing its store.
    pub async fn open(
        data_dir: &Path,
        server: &str,
        token: Token,
        changes: &mpsc::UnboundedSender<Change>,
    ) -> Result<Self, SessionError> {
        let dir = store_dir(data_dir, server);
        let store = Store::open(&dir).await?;
        let remote = QueueClient::new(server, token.clone())?;
        // Who the token belongs to is what the server said last time, asked again in the background: a
        // slow or unreachable server must not hold up the window (a rejected token shows in the sync
        // status). Only a first start waits for the answer; offline, it starts without a name.
        let mut recheck = None;
        let me = match remembered_me(&dir) {
            Some(me) => {
                let (remote, dir) = (remote.clone(), dir.clone());
                recheck = Some(tokio::spawn(async move {
                    match remote.me().await {
                        Ok(me) => remember_me(&dir, &me),
                        Err(error) => tracing::warn!(%error, "cannot confirm who is signed in"),
                    }
                }));
                Some(me)
            }
            None => match remote.me().await {
                Ok(me) => {
                    remember_me(&dir, &me);
                    Some(me)
                }
                Err(error) if error.is_transient() => None,
                Err(error) => return Err(error.into()),
            },
        };
        if me.as_ref().is_some_and(|me| me.role == Role::Admin) {
            let mut session = Self::administering(server, store, remote, me);
            session.tasks.extend(recheck.map(AbortOnDrop));
            return Ok(session);
        }
        let settings = Settings::load(data_dir);
        let mut session = Self::syncing(server, store, remote, me, &settings, changes);
        session.tasks.extend(recheck.map(AbortOnDrop));
        Ok(session)
    }

    /// Keeps `store` in sync with `remote` as `me`, holding each decision back for the settings' undo
    /// window and showing the notices their preferences let through, reporting each round to `changes`.
    pub fn syncing(
        server: &str,
        store: Store,
        remote: QueueClient,
        me: Option<Me>,
        settings: &Settings,
        changes: &mpsc::UnboundedSender<Change>,
    ) -> Self {
        let clicks = changes.clone();
        let notifier: Arc<dyn Notifier> =
            Arc::new(DesktopNotifier::reporting_clicks(move |target| {
                // The receiver lives as long as the app; a closed channel means it is quitting.
                let _ = clicks.send(Change {
                    inbox: false,
                    open: Some(target),
                });
            }));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let engine = SyncEngine::new(store.clone(), remote.clone(), notifier, clock)
            .with_undo_window(settings.undo_window())
            .with_notification_preferences(settings.notifications.clone());
        let tasks = background(&engine, store.clone(), changes.clone());
        Self {
            server: server.to_owned(),
            store,
            me,
            engine: Some(engine),
            remote: Some(remote),
            secrets: Arc::new(OsKeyring),
            tasks,
        }
    }

    /// An admin's session: the admin view's calls, and no sync (an admin holds no work; the queue
    /// refuses them a pull).
    fn administering(server: &str, store: Store, remote: QueueClient, me: Option<Me>) -> Self {
        Self {
            server: server.to_owned(),
            store,
            me,
            engine: None,
            remote: Some(remote),
            secrets: Arc::new(OsKeyring),
            tasks: Vec::new(),
        }
    }

    /// Runs `task` as long as this session lives.
    pub fn keep_running(&mut self, task: tokio::task::JoinHandle<()>) {
        self.tasks.push(AbortOnDrop(task));
    }

    /// Keeps this device's signing key in `secrets` instead of the OS keyring (tests, headless use).
    pub fn with_secrets(mut self, secrets: Arc<dyn Secrets>) -> Self {
        self.secrets = secrets;
        self
    }

    /// Records a decision; one that is a sign-off is signed with this device's key, unsealed by
    /// `pin` (offline), or registered first with the queue when the device has none yet.
    pub async fn decide(
        &self,
        item_id: ItemId,
        input: &DecisionInput,
        pin: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RecordedDecision, SessionError> {
        let detail = self.store.get(item_id).await?;
        let signs_off = detail.is_some_and(|d| decision::needs_sign_off(&d.item, input.action));
        if !signs_off {
            return Ok(self.store.decide(item_id, input, now).await?);
        }
        let pin = pin
            .filter(|pin| !pin.is_empty())
            .ok_or(SessionError::PinNeeded)?;
        let signer = self.signer(pin).await?;
        Ok(self
            .store
            .decide_signed(item_id, input, Some(&signer), now)
            .await?)
    }

    async fn signer(&self, pin: &str) -> Result<DecisionSigner, SessionError> {
        let remote = self.remote.as_ref().ok_or(SessionError::UnknownSigner)?;
        Ok(signing::signer(remote, self.secrets.as_ref(), self.me.as_ref(), pin).await?)
    }

    /// Sets the signing PIN on the queue (`current`: the one set before, if any) and registers a new
    /// signing key for this device, sealed by it.
    pub async fn set_signing_pin(
        &self,
        pin: &str,
        current: Option<&str>,
    ) -> Result<(), SessionError> {
        let (Some(me), Some(remote)) = (&self.me, &self.remote) else {
            return Err(SessionError::UnknownSigner);
        };
        signing::set_pin(remote, self.secrets.as_ref(), me, pin, current).await?;
        Ok(())
    }
}

/// The sync loop, reporting each round to `changes`, and a first check of notifications.
fn background(
    engine: &SyncEngine,
    store: Store,
    changes: mpsc::UnboundedSender<Change>,
) -> Vec<AbortOnDrop> {
    let engine = engine.clone();
    let round_changes = changes.clone();
    let sync = tokio::spawn(async move {
        engine
            .watch_reporting(move |result| {
                let inbox = result
                    .is_ok_and(|r| r.pulled + r.removed + r.applied + r.conflicts + r.rejected > 0);
                // The receiver lives as long as the app; a closed channel means it is quitting.
                let _ = round_changes.send(Change {
                    inbox,
                    ..Change::default()
                });
            })
            .await;
    });
    let probe = tokio::spawn(async move {
        let status =
            notify::probe(Arc::new(DesktopNotifier::default()), notify::NOTIFY_TIMEOUT).await;
        if let Err(error) = store.record_notification_status(&status).await {
            tracing::warn!(%error, "cannot record the notification status");
        }
        let _ = changes.send(Change::default());
    });
    vec![AbortOnDrop(sync), AbortOnDrop(probe)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offline_start_shows_who_signed_in_last_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(remembered_me(dir.path()), None);
        let me = Me {
            name: "ana".to_owned(),
            role: Role::Senior,
            teams: Vec::new(),
            full_name: None,
        };
        remember_me(dir.path(), &me);
        assert_eq!(remembered_me(dir.path()), Some(me));
    }

    #[tokio::test]
    async fn a_known_reviewer_does_not_wait_for_a_server_that_never_answers() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Accepts connections and never answers: the request would wait out REQUEST_TIMEOUT (20 s).
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listener");
        let url = format!("http://{}", silent.local_addr().expect("address"));
        let _held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                open.push(socket);
            }
        });
        let data = dir.path().join("app");
        let me = Me {
            name: "ana".to_owned(),
            role: Role::Senior,
            teams: Vec::new(),
            full_name: None,
        };
        let store = store_dir(&data, &url);
        std::fs::create_dir_all(&store).expect("store dir");
        remember_me(&store, &me);
        let (changes, _received) = mpsc::unbounded_channel();

        // A bound on a hang, not a speed test: waiting for the silent server would take 20 s.
        let session = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            Session::open_or_signed_out(&data, &url, Ok(Token::new("t")), &changes),
        )
        .await
        .expect("opens without waiting for the server")
        .expect("opens");
        assert_eq!(session.me, Some(me));
    }

    #[test]
    fn each_server_has_a_store_of_its_own() {
        let data = Path::new("/data");
        assert_ne!(
            store_dir(data, "https://a.example"),
            store_dir(data, "https://b.example")
        );
    }

    #[test]
    fn settings_survive_a_restart_and_an_unreadable_file_is_no_setting() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let chosen = Settings {
            server: Some("https://queue.example.org".to_owned()),
            undo_window_seconds: Some(12),
            notifications: NotificationPreferences {
                muted_teams: vec!["editorial".to_owned()],
                ..NotificationPreferences::default()
            },
        };
        chosen.save(dir.path()).expect("save");
        assert_eq!(Settings::load(dir.path()), chosen);
        assert_eq!(Settings::load(dir.path()).undo_window_seconds(), 12);
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").expect("write");
        assert_eq!(Settings::load(dir.path()), Settings::default());
    }

    #[test]
    fn the_undo_window_defaults_to_five_seconds_and_is_capped() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A settings file written before the window existed.
        std::fs::write(dir.path().join(SETTINGS_FILE), r#"{"server": null}"#).expect("write");
        let before = Settings::load(dir.path());
        assert_eq!(before.undo_window_seconds, None);
        assert_eq!(before.undo_window(), chrono::Duration::seconds(5));
        let too_long = Settings {
            undo_window_seconds: Some(600),
            ..Settings::default()
        };
        assert_eq!(too_long.undo_window_seconds(), UNDO_WINDOW_MAX_SECONDS);
    }
}
