//! The app's state: which queue it talks to, as whom, and the tasks that keep it in sync. A session is
//! replaced whole on sign-in, sign-out or a switch to the embedded demo; dropping the old one stops its
//! sync task, its demo producer and its embedded queue.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use countersign_client::notify::{self, DesktopNotifier, Notifier};
use countersign_client::remote::{QueueClient, Token, normalise_server_url};
use countersign_client::secrets::{CredentialError, OsKeyring, Secrets, TOKEN_ENV, resolve_token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::Me;
use serde::{Deserialize, Serialize};
use tokio::sync::{RwLock, mpsc};

use crate::embedded;
use crate::error::{AppError, ErrorCode};
use crate::view::{AppStatus, Mode};

/// Overrides for tests and headless use: the server to use instead of the settings, and the data
/// directory. The token comes from `COUNTERSIGN_TOKEN` (the client crate's `TOKEN_ENV`).
pub const SERVER_ENV: &str = "COUNTERSIGN_SERVER";
pub const DATA_DIR_ENV: &str = "COUNTERSIGN_DATA_DIR";
/// The credential a reviewer re-enters to sign off in the embedded demo, whose real token is
/// generated at start and never shown.
pub const DEMO_CREDENTIAL: &str = "demo";
const SETTINGS_FILE: &str = "settings.json";

/// What changed, for the publisher that emits the UI's events.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub inbox: bool,
}

/// Not secret: the server the user chose. The token is in the keyring.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Settings {
    server: Option<String>,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub struct Session {
    pub mode: Mode,
    pub server: String,
    pub store: Store,
    pub me: Option<Me>,
    pub engine: Option<SyncEngine>,
    token: Option<Token>,
    /// Dropped (aborted) with the session.
    _tasks: Vec<AbortOnDrop>,
    /// The in-process queue; its tasks stop when it is dropped.
    _embedded: Option<countersign_queue::RunningServer>,
}

impl Session {
    /// Whether `credential` is what this reviewer signs in with (compared in constant time).
    pub fn credential_matches(&self, credential: &str) -> bool {
        let expected = match (self.mode, &self.token) {
            (Mode::Embedded, _) => DEMO_CREDENTIAL,
            (Mode::Remote, Some(token)) => token.expose(),
            (Mode::Remote, None) => return false,
        };
        expected.len() == credential.len()
            && expected
                .bytes()
                .zip(credential.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    pub async fn status(&self) -> Result<AppStatus, AppError> {
        let state = self.store.sync_state().await?;
        Ok(AppStatus {
            mode: self.mode,
            server: self.server.clone(),
            signed_in_as: self.me.clone(),
            online: self.me.is_some() && state.online,
            pending: self.store.pending_count().await?,
            conflicts: self.store.unresolved_conflict_count().await?,
            last_sync: state.last_sync,
            last_error: state.last_error,
            notifications: state
                .notification_status
                .unwrap_or_else(|| "not checked yet".to_owned()),
        })
    }
}

/// The managed state behind every command.
pub struct Shell {
    data_dir: PathBuf,
    session: RwLock<Arc<Session>>,
    changes: mpsc::UnboundedSender<Change>,
}

impl Shell {
    /// Opens the session the settings (or the environment) ask for; the embedded demo when none.
    pub async fn open(
        data_dir: PathBuf,
        changes: mpsc::UnboundedSender<Change>,
    ) -> Result<Self, AppError> {
        let session = match configured_server(&data_dir) {
            Some(server) => {
                let token = resolve_token(std::env::var(TOKEN_ENV).ok(), &OsKeyring, &server);
                remote_or_signed_out(&data_dir, &server, token, &changes).await?
            }
            None => embedded_session(&data_dir, &changes).await?,
        };
        Ok(Self {
            data_dir,
            session: RwLock::new(Arc::new(session)),
            changes,
        })
    }

    pub async fn current(&self) -> Arc<Session> {
        self.session.read().await.clone()
    }

    pub fn changed(&self, inbox: bool) {
        // The publisher lives as long as the app; a closed channel means the app is quitting.
        let _ = self.changes.send(Change { inbox });
    }

    async fn replace(&self, session: Session) {
        *self.session.write().await = Arc::new(session);
        self.changed(true);
    }

    /// Validates the token with the server, keeps it in the OS keyring (never a file), and switches.
    pub async fn sign_in(&self, server: &str, token: &str) -> Result<(), AppError> {
        let server = normalise_server_url(server.trim())?;
        let token = Token::new(token.trim());
        QueueClient::new(&server, token.clone())?.me().await?;
        OsKeyring.store_token(&server, &token)?;
        write_settings(
            &self.data_dir,
            &Settings {
                server: Some(server.clone()),
            },
        )?;
        let session = remote_session(&self.data_dir, &server, token, &self.changes).await?;
        self.replace(session).await;
        Ok(())
    }

    /// Stops syncing and deletes the token from the keyring, so the next start is signed out too; the
    /// local store and its outbox stay, so nothing decided is lost and signing in again resumes the upload.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        let current = self.current().await;
        let server = current.server.clone();
        if current.mode == Mode::Remote {
            match OsKeyring.forget_token(&server) {
                // Without a keyring the token came from COUNTERSIGN_TOKEN and was never stored.
                Err(CredentialError::KeyringUnavailable(error)) => {
                    tracing::warn!(%error, "no keyring to delete the token from")
                }
                other => other?,
            }
        }
        let session = signed_out_session(&self.data_dir, &server).await?;
        self.replace(session).await;
        Ok(())
    }

    pub async fn use_embedded_demo(&self) -> Result<(), AppError> {
        write_settings(&self.data_dir, &Settings::default())?;
        // The old session (perhaps an embedded queue holding the database) must stop first.
        let placeholder = signed_out_session(&self.data_dir, "").await?;
        self.replace(placeholder).await;
        let session = embedded_session(&self.data_dir, &self.changes).await?;
        self.replace(session).await;
        Ok(())
    }
}

fn configured_server(data_dir: &Path) -> Option<String> {
    if let Some(server) = std::env::var(SERVER_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        // One spelling per server, as sign-in stores it: the keyring entry and the store are keyed by it.
        // A malformed URL is kept as given, for the connection to report.
        let server = server.trim();
        return Some(normalise_server_url(server).unwrap_or_else(|_| server.to_owned()));
    }
    let text = std::fs::read_to_string(data_dir.join(SETTINGS_FILE)).ok()?;
    match serde_json::from_str::<Settings>(&text) {
        Ok(settings) => settings.server,
        Err(error) => {
            tracing::warn!(%error, "ignoring unreadable settings");
            None
        }
    }
}

fn write_settings(data_dir: &Path, settings: &Settings) -> Result<(), AppError> {
    let storage =
        |e: String| AppError::new(ErrorCode::Storage, format!("cannot save the settings: {e}"));
    std::fs::create_dir_all(data_dir).map_err(|e| storage(e.to_string()))?;
    let text = serde_json::to_string_pretty(settings).map_err(|e| storage(e.to_string()))?;
    std::fs::write(data_dir.join(SETTINGS_FILE), text).map_err(|e| storage(e.to_string()))
}

/// Not secret (a name and a role), kept beside the server's store for starts without a network.
const ME_FILE: &str = "me.json";

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

/// One local store per server: a store's mutation ids belong to one server.
fn store_dir(data_dir: &Path, server: &str) -> PathBuf {
    let slug: String = server
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    data_dir.join("servers").join(slug)
}

async fn signed_out_session(data_dir: &Path, server: &str) -> Result<Session, AppError> {
    let dir = if server.is_empty() {
        data_dir.join("signed-out")
    } else {
        store_dir(data_dir, server)
    };
    Ok(Session {
        mode: Mode::Remote,
        server: server.to_owned(),
        store: Store::open(&dir).await?,
        me: None,
        engine: None,
        token: None,
        _tasks: Vec::new(),
        _embedded: None,
    })
}

/// The session with `server`, or the sign-in form when there is no token or the server no longer
/// takes it (a rotated token must not keep the app from opening).
async fn remote_or_signed_out(
    data_dir: &Path,
    server: &str,
    token: Result<Token, CredentialError>,
    changes: &mpsc::UnboundedSender<Change>,
) -> Result<Session, AppError> {
    let session = match token {
        Ok(token) => remote_session(data_dir, server, token, changes).await,
        Err(error) => Err(error.into()),
    };
    match session {
        Err(error)
            if matches!(
                error.code,
                ErrorCode::NotSignedIn | ErrorCode::BadCredential
            ) =>
        {
            tracing::warn!(error = %error.message, "not signed in");
            signed_out_session(data_dir, server).await
        }
        other => other,
    }
}

async fn remote_session(
    data_dir: &Path,
    server: &str,
    token: Token,
    changes: &mpsc::UnboundedSender<Change>,
) -> Result<Session, AppError> {
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
            recheck = Some(AbortOnDrop(tokio::spawn(async move {
                match remote.me().await {
                    Ok(me) => remember_me(&dir, &me),
                    Err(error) => tracing::warn!(%error, "cannot confirm who is signed in"),
                }
            })));
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
    let engine = engine(store.clone(), remote);
    let mut tasks = background(&engine, store.clone(), changes.clone());
    tasks.extend(recheck);
    Ok(Session {
        mode: Mode::Remote,
        server: server.to_owned(),
        store,
        me,
        engine: Some(engine),
        token: Some(token),
        _tasks: tasks,
        _embedded: None,
    })
}

async fn embedded_session(
    data_dir: &Path,
    changes: &mpsc::UnboundedSender<Change>,
) -> Result<Session, AppError> {
    let dir = data_dir.join("embedded");
    let (server, token) = embedded::start(&dir)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let url = server.url();
    let store = Store::open(&dir.join("client")).await?;
    // Same queue database, new loopback port: see Store::rebind_server.
    store.rebind_server(&url).await?;
    let remote = QueueClient::new(&url, token.clone())?;
    let me = remote.me().await?;
    let engine = engine(store.clone(), remote);
    let mut tasks = background(&engine, store.clone(), changes.clone());
    tasks.push(AbortOnDrop(tokio::spawn(embedded::run_producer(
        server.state.clone(),
    ))));
    Ok(Session {
        mode: Mode::Embedded,
        server: url,
        store,
        me: Some(me),
        engine: Some(engine),
        token: Some(token),
        _tasks: tasks,
        _embedded: Some(server),
    })
}

fn engine(store: Store, remote: QueueClient) -> SyncEngine {
    let notifier: Arc<dyn Notifier> = Arc::new(DesktopNotifier);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    SyncEngine::new(store, remote, notifier, clock)
}

/// The sync loop, reporting each round to the publisher, and a first check of notifications.
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
                let _ = round_changes.send(Change { inbox });
            })
            .await;
    });
    let probe = tokio::spawn(async move {
        let status = notify::probe(Arc::new(DesktopNotifier), notify::NOTIFY_TIMEOUT).await;
        if let Err(error) = store.record_notification_status(&status).await {
            tracing::warn!(%error, "cannot record the notification status");
        }
        let _ = changes.send(Change { inbox: false });
    });
    vec![AbortOnDrop(sync), AbortOnDrop(probe)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_domain::Role;

    #[test]
    fn an_offline_start_shows_who_signed_in_last_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(remembered_me(dir.path()), None);
        let me = Me {
            name: "ana".to_owned(),
            role: Role::Senior,
            teams: Vec::new(),
        };
        remember_me(dir.path(), &me);
        assert_eq!(remembered_me(dir.path()), Some(me));
    }

    /// A real queue service with one reviewer; returns it, its URL and the reviewer's token.
    async fn queue_with_reviewer(dir: &Path) -> (countersign_queue::RunningServer, String, Token) {
        let db = format!("sqlite://{}", dir.join("queue.db").display());
        let server = countersign_queue::start(countersign_queue::ServeOptions::new(db))
            .await
            .expect("queue service");
        let state = &server.state;
        let token =
            countersign_queue::auth::add_user(&state.db, "ana", Role::Reviewer, state.now())
                .await
                .expect("reviewer");
        let url = server.url();
        (server, url, Token::new(token))
    }

    #[tokio::test]
    async fn a_rejected_token_opens_the_sign_in_form_and_a_good_one_signs_in() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (server, url, token) = queue_with_reviewer(dir.path()).await;
        let (changes, _received) = mpsc::unbounded_channel();
        let data = dir.path().join("app");

        let rejected = remote_or_signed_out(&data, &url, Ok(Token::new("rotated")), &changes)
            .await
            .expect("opens");
        assert!(rejected.me.is_none() && rejected.engine.is_none());
        drop(rejected);

        let signed_in = remote_or_signed_out(&data, &url, Ok(token), &changes)
            .await
            .expect("opens");
        assert_eq!(
            signed_in.me.as_ref().map(|me| me.name.as_str()),
            Some("ana")
        );
        assert!(signed_in.engine.is_some());
        drop(signed_in);
        server.shutdown().await;
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
        };
        let store = store_dir(&data, &url);
        std::fs::create_dir_all(&store).expect("store dir");
        remember_me(&store, &me);
        let (changes, _received) = mpsc::unbounded_channel();

        let started = std::time::Instant::now();
        let session = remote_or_signed_out(&data, &url, Ok(Token::new("t")), &changes)
            .await
            .expect("opens");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "waited {:?} for the server",
            started.elapsed()
        );
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
}
