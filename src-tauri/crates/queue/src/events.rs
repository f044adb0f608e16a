//! "Your assignments changed" signals for `GET /v1/events`. On PostgreSQL they travel through
//! `NOTIFY` so that every replica hears them; on SQLite there is one process and they stay in it.

use countersign_domain::Role;
use tokio::sync::broadcast;

use crate::db::{Backend, Db, Tx};
use crate::error::StoreError;

const CHANNEL: &str = "countersign_assignments";

/// Who should pull again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Audience {
    User(String),
    /// Reviewers and seniors: new review work exists.
    Reviewers,
    /// Seniors only: new escalation work exists.
    Seniors,
}

impl Audience {
    /// The audience for work in a pool ('reviewers' or 'seniors' in the items table).
    pub fn for_pool(pool: &str) -> Audience {
        if pool == "seniors" {
            Audience::Seniors
        } else {
            Audience::Reviewers
        }
    }

    pub fn includes(&self, name: &str, role: Role) -> bool {
        match self {
            Audience::User(user) => user == name,
            Audience::Reviewers => role.reviews(),
            Audience::Seniors => role == Role::Senior,
        }
    }

    fn encode(&self) -> String {
        match self {
            Audience::User(name) => format!("user:{name}"),
            Audience::Reviewers => "reviewers".into(),
            Audience::Seniors => "seniors".into(),
        }
    }

    fn decode(text: &str) -> Option<Audience> {
        match text {
            "reviewers" => Some(Audience::Reviewers),
            "seniors" => Some(Audience::Seniors),
            other => other
                .strip_prefix("user:")
                .map(|name| Audience::User(name.to_owned())),
        }
    }
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Audience>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<Audience> {
        self.sender.subscribe()
    }

    /// Announces changes from inside the transaction that makes them. PostgreSQL delivers a
    /// NOTIFY only on commit; on SQLite a listener's pull waits for this transaction's write lock,
    /// so it sees the change too (and a rolled-back change costs one needless pull).
    pub async fn announce(
        &self,
        db: &Db,
        tx: &mut Tx,
        audiences: impl IntoIterator<Item = Audience>,
    ) -> Result<(), StoreError> {
        for audience in audiences {
            match db.backend {
                Backend::Sqlite => {
                    // No receivers is not an error: nobody is listening.
                    let _ = self.sender.send(audience);
                }
                Backend::Postgres => {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(audience.encode())
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
                        if let Some(audience) = Audience::decode(notification.payload()) {
                            let _ = self.sender.send(audience);
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
    fn audiences_round_trip_and_match_roles() {
        for audience in [
            Audience::User("ana".into()),
            Audience::Reviewers,
            Audience::Seniors,
        ] {
            assert_eq!(Audience::decode(&audience.encode()), Some(audience));
        }
        assert!(Audience::Reviewers.includes("x", Role::Senior));
        assert!(!Audience::Seniors.includes("x", Role::Reviewer));
        assert!(!Audience::Reviewers.includes("x", Role::Producer));
        assert!(Audience::User("ana".into()).includes("ana", Role::Reviewer));
        assert!(!Audience::User("ana".into()).includes("bo", Role::Reviewer));
    }
}
