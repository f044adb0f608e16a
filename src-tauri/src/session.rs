//! The app's state: which queue it talks to (a server of the user's choice, or the queue running inside
//! the app with demo work) and the core's session with it (countersign_client::session: settings, token,
//! per-server store, sync task). A session is replaced whole on sign-in, sign-out or a switch to the
//! embedded demo; dropping the old one stops its sync task, its demo producer and its embedded queue.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use countersign_client::preferences::NotificationPreferences;
use countersign_client::remote::QueueClient;
use countersign_client::secrets::OsKeyring;
use countersign_client::session::{self, Change, Session, Settings, UNDO_WINDOW_MAX_SECONDS};
use countersign_client::store::Store;
use tokio::sync::{OnceCell, RwLock, mpsc};

use crate::embedded;
use crate::error::{AppError, ErrorCode};
use crate::view::{AppStatus, Mode};

pub struct AppSession {
    pub mode: Mode,
    pub core: Session,
    /// The in-process queue; its tasks stop when it is dropped, after the core's sync task (fields drop
    /// in order).
    _embedded: Option<countersign_queue::RunningServer>,
}

impl AppSession {
    fn remote(core: Session) -> Self {
        Self {
            mode: Mode::Remote,
            core,
            _embedded: None,
        }
    }

    pub async fn status(&self) -> Result<AppStatus, AppError> {
        let store = &self.core.store;
        let state = store.sync_state().await?;
        Ok(AppStatus {
            mode: self.mode,
            server: self.core.server.clone(),
            signed_in_as: self.core.me.clone(),
            online: self.core.me.is_some() && state.online,
            pending: store.pending_count().await?,
            conflicts: store.unresolved_conflict_count().await?,
            last_sync: state.last_sync,
            last_error: state.last_error,
            notifications: state.notification_status,
            undo_window_seconds: self.core.engine.as_ref().map(|engine| {
                u32::try_from(engine.undo_window().num_seconds()).unwrap_or(UNDO_WINDOW_MAX_SECONDS)
            }),
        })
    }
}

/// The managed state behind every command.
pub struct Shell {
    data_dir: PathBuf,
    /// Opened by the first command that needs it (the app asks at start, without waiting), so the
    /// window loads its page while the store opens and, on a first start, the server is asked who
    /// is signed in. A failed open is tried again by the next command.
    session: OnceCell<RwLock<Arc<AppSession>>>,
    changes: mpsc::UnboundedSender<Change>,
}

impl Shell {
    /// Nothing is opened yet: see [`Shell::current`].
    pub fn new(data_dir: PathBuf, changes: mpsc::UnboundedSender<Change>) -> Self {
        Self {
            data_dir,
            session: OnceCell::new(),
            changes,
        }
    }

    /// The session, opened first if it is not yet: the one the settings (or the environment) ask
    /// for, the embedded demo when none. Commands wait here while it opens.
    async fn slot(&self) -> Result<&RwLock<Arc<AppSession>>, AppError> {
        self.session
            .get_or_try_init(|| async {
                let session = match session::configured_server(&self.data_dir) {
                    Some(server) => {
                        let token = session::token_for(&OsKeyring, &server);
                        AppSession::remote(
                            Session::open_or_signed_out(
                                &self.data_dir,
                                &server,
                                token,
                                &self.changes,
                            )
                            .await?,
                        )
                    }
                    None => embedded_session(&self.data_dir, &self.changes).await?,
                };
                // The window may have asked for the status before there was one to give.
                self.changed(true);
                Ok(RwLock::new(Arc::new(session)))
            })
            .await
    }

    pub async fn current(&self) -> Result<Arc<AppSession>, AppError> {
        Ok(self.slot().await?.read().await.clone())
    }

    pub fn changed(&self, inbox: bool) {
        // The publisher lives as long as the app; a closed channel means the app is quitting.
        let _ = self.changes.send(Change {
            inbox,
            ..Change::default()
        });
    }

    /// Switches to `session`; one still opening is waited for and then replaced, and one that could
    /// not open is replaced outright (signing in again is how a reviewer gets out of that).
    async fn replace(&self, session: AppSession) {
        let session = Arc::new(session);
        let slot = self
            .session
            .get_or_init(|| async { RwLock::new(session.clone()) })
            .await;
        *slot.write().await = session;
        self.changed(true);
    }

    /// Validates the token with the server, keeps it in the OS keyring (never a file), and switches.
    pub async fn sign_in(&self, server: &str, token: &str) -> Result<(), AppError> {
        let signed_in = session::sign_in(&OsKeyring, server, token).await?;
        Settings {
            server: Some(signed_in.server.clone()),
            ..Settings::load(&self.data_dir)
        }
        .save(&self.data_dir)?;
        session::remember_sign_in(&self.data_dir, &signed_in);
        let core = Session::open(
            &self.data_dir,
            &signed_in.server,
            signed_in.token,
            &self.changes,
        )
        .await?;
        self.replace(AppSession::remote(core)).await;
        Ok(())
    }

    /// Stops syncing and deletes the token from the keyring; the local store and its outbox stay.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        let current = self.current().await?;
        let server = current.core.server.clone();
        if current.mode == Mode::Remote {
            session::sign_out(&OsKeyring, &server)?;
        }
        let core = Session::signed_out(&self.data_dir, &server).await?;
        self.replace(AppSession::remote(core)).await;
        Ok(())
    }

    /// Keeps the undo window in the settings (capped at [`UNDO_WINDOW_MAX_SECONDS`]) and applies it to the
    /// running sync at once.
    pub async fn set_undo_window(&self, seconds: u32) -> Result<(), AppError> {
        let settings = Settings {
            undo_window_seconds: Some(seconds.min(UNDO_WINDOW_MAX_SECONDS)),
            ..Settings::load(&self.data_dir)
        };
        settings.save(&self.data_dir)?;
        if let Some(engine) = &self.current().await?.core.engine {
            engine.set_undo_window(settings.undo_window());
        }
        self.changed(false);
        Ok(())
    }

    pub fn notification_preferences(&self) -> NotificationPreferences {
        Settings::load(&self.data_dir).notifications
    }

    /// Keeps the notification preferences in the settings and applies them to the running sync at once.
    pub async fn set_notification_preferences(
        &self,
        preferences: NotificationPreferences,
    ) -> Result<(), AppError> {
        Settings {
            notifications: preferences.clone(),
            ..Settings::load(&self.data_dir)
        }
        .save(&self.data_dir)?;
        if let Some(engine) = &self.current().await?.core.engine {
            engine.set_notification_preferences(preferences);
        }
        Ok(())
    }

    pub async fn use_embedded_demo(&self) -> Result<(), AppError> {
        Settings {
            server: None,
            ..Settings::load(&self.data_dir)
        }
        .save(&self.data_dir)?;
        // The old session (perhaps an embedded queue holding the database) must stop first.
        let placeholder = Session::signed_out(&self.data_dir, "").await?;
        self.replace(AppSession::remote(placeholder)).await;
        let session = embedded_session(&self.data_dir, &self.changes).await?;
        self.replace(session).await;
        Ok(())
    }
}

async fn embedded_session(
    data_dir: &Path,
    changes: &mpsc::UnboundedSender<Change>,
) -> Result<AppSession, AppError> {
    let dir = data_dir.join("embedded");
    let (server, token) = embedded::start(&dir)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let url = server.url();
    let store = Store::open(&dir.join("client")).await?;
    // Same queue database, new loopback port: see Store::rebind_server.
    store.rebind_server(&url).await?;
    let remote = QueueClient::new(&url, token)?;
    let me = remote.me().await?;
    let mut core = Session::syncing(
        &url,
        store,
        remote,
        Some(me),
        &Settings::load(data_dir),
        changes,
    );
    core.keep_running(tokio::spawn(embedded::run_producer(server.state.clone())));
    Ok(AppSession {
        mode: Mode::Embedded,
        core,
        _embedded: Some(server),
    })
}

#[cfg(test)]
mod tests {
    use countersign_client::remote::Token;
    use countersign_domain::Role;

    use super::*;

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

        let rejected =
            Session::open_or_signed_out(&data, &url, Ok(Token::new("rotated")), &changes)
                .await
                .expect("opens");
        assert!(rejected.me.is_none() && rejected.engine.is_none());
        drop(rejected);

        let signed_in = Session::open_or_signed_out(&data, &url, Ok(token), &changes)
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
}
