//! "Your assignments changed" signals for `GET /v1/events`. On PostgreSQL they travel through
//! `NOTIFY` so that every replica hears them; on SQLite there is one process and they stay in it.

use countersign_domain::Role;
use tokio::sync::broadcast;

use crate::audience::Audience;
use crate::db::{Backend, Db, Tx};
use crate::error::StoreError;

const CHANNEL: &str = "countersign_assignments";

/// Who should pull again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipients {
    User(String),
    /// Everyone in an audience: new work exists for it.
    Audience(Audience),
}

impl Recipients {
    pub fn includes(&self, name: &str, role: Role) -> bool {
        match self {
            Recipients::User(user) => user == name,
            Recipients::Audience(audience) => audience.admits(role),
        }
    }

    /// `user:NAME`, or the audience's name: what travels in a PostgreSQL NOTIFY.
    fn encode(&self) -> String {
        match self {
            Recipients::User(name) => format!("user:{name}"),
            Recipients::Audience(audience) => audience.as_str().to_owned(),
        }
    }

    fn decode(text: &str) -> Option<Recipients> {
        match text.strip_prefix("user:") {
            Some(name) => Some(Recipients::User(name.to_owned())),
            None => text.parse().ok().map(Recipients::Audience),
        }
    }
}

impl From<Audience> for Recipients {
    fn from(audience: Audience) -> Self {
        Recipients::Audience(audience)
    }
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Recipients>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<Recipients> {
        self.sender.subscribe()
    }

    /// Announces changes from inside the transaction that makes them. PostgreSQL delivers a
    /// NOTIFY only on commit; on SQLite a listener's pull waits for this transaction's write lock,
    /// so it sees the change too (and a rolled-back change costs one needless pull).
    pub async fn announce(
        &self,
        db: &Db,
        tx: &mut Tx,
        recipients: impl IntoIterator<Item = Recipients>,
    ) -> Result<(), StoreError> {
        for recipients in recipients {
            match db.backend {
                Backend::Sqlite => {
                    // No receivers is not an error: nobody is listening.
                    let _ = self.sender.send(recipients);
                }
                Backend::Postgres => {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(recipients.encode())
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// On PostgreSQL, relays NOTIFYs (from every replica) to this process's subscribers until
    /// `shutdown` fires. PgListener reconnects by itself after a dropped connection.
    pub async fn relay_postgres(
        &self,
        url: &str,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Result<(), StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                received = listener.recv() => match received {
                    Ok(notification) => {
                        if let Some(recipients) = Recipients::decode(notification.payload()) {
                            let _ = self.sender.send(recipients);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "event relay lost its connection; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_round_trip_and_match_roles() {
        for recipients in [
            Recipients::User("ana".into()),
            Recipients::Audience(Audience::Reviewers),
            Recipients::Audience(Audience::Seniors),
        ] {
            assert_eq!(Recipients::decode(&recipients.encode()), Some(recipients));
        }
        assert_eq!(Recipients::from(Audience::Seniors).encode(), "seniors");
        assert!(Recipients::from(Audience::Reviewers).includes("x", Role::Senior));
        assert!(!Recipients::from(Audience::Seniors).includes("x", Role::Reviewer));
        assert!(!Recipients::from(Audience::Reviewers).includes("x", Role::Producer));
        assert!(Recipients::User("ana".into()).includes("ana", Role::Reviewer));
        assert!(!Recipients::User("ana".into()).includes("bo", Role::Reviewer));
    }
}
