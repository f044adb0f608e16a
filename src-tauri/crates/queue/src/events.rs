//! "Your assignments changed" signals for `GET /v1/events`. On PostgreSQL they travel through
//! `NOTIFY` so that every replica hears them; on SQLite there is one process and they stay in it.

use countersign_domain::{EscalationNotice, MentionNotice, Role};
use futures::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use crate::audience::Audience;
use crate::auth::Caller;
use crate::db::{Backend, Db, Tx};
use crate::error::StoreError;
use crate::teams;

/// The teams `user` belongs to, on a connection of its own.
async fn member_teams(db: &Db, user: &str) -> Result<Vec<String>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    teams::of_user(&mut conn, user).await
}

const CHANNEL: &str = "countersign_assignments";

/// Who should pull again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipients {
    User(String),
    /// Work exists for an audience: for everyone in it when the item has no team, else only for
    /// the audience's members of that team (docs/protocol.md, "Events").
    Work {
        audience: Audience,
        team: Option<String>,
    },
    /// An item was escalated: the seniors who may take it (as `Work` for seniors of its team) pull,
    /// and are told which item it is.
    Escalated(EscalationNotice),
    /// A comment mentioned `user` (docs/protocol.md, "Comments"): they are told, nobody pulls.
    Mentioned {
        user: String,
        notice: MentionNotice,
    },
    /// A reviewer of `team` fell below its `min_gold_accuracy` (docs/protocol.md, "Gold items"): its
    /// seniors are told (`notice`: a `GoldAlert` as JSON), nobody pulls.
    GoldAlert {
        team: String,
        notice: String,
    },
}

/// What a subscriber is woken for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    Pull,
    Escalated(EscalationNotice),
    Mentioned(MentionNotice),
    /// A `GoldAlert`, as JSON.
    GoldAlert(String),
}

impl Recipients {
    /// The people who may take an item of `audience` and `team` (None: no team).
    pub fn work(audience: Audience, team: Option<&str>) -> Recipients {
        Recipients::Work {
            audience,
            team: team.map(str::to_owned),
        }
    }

    /// Whether the user `name` with `role`, a member of `teams`, is among them.
    pub fn includes(&self, name: &str, role: Role, teams: &[String]) -> bool {
        match self {
            Recipients::User(user) => user == name,
            Recipients::Work { audience, team } => work_includes(*audience, team, role, teams),
            Recipients::Escalated(notice) => {
                work_includes(Audience::Seniors, &notice.team, role, teams)
            }
            Recipients::Mentioned { user, .. } => user == name,
            Recipients::GoldAlert { team, .. } => {
                work_includes(Audience::Seniors, &Some(team.clone()), role, teams)
            }
        }
    }

    /// `user:NAME`, the audience's name, `AUDIENCE:TEAM`, `escalated:` and the notice's JSON, or
    /// `mentioned:` and the JSON of `[user, notice]`: what travels in a PostgreSQL NOTIFY.
    /// Audience and team names have no `:`.
    fn encode(&self) -> String {
        match self {
            Recipients::User(name) => format!("user:{name}"),
            Recipients::Escalated(notice) => format!(
                "escalated:{}",
                serde_json::to_string(notice).unwrap_or_default()
            ),
            Recipients::Mentioned { user, notice } => format!(
                "mentioned:{}",
                serde_json::to_string(&(user, notice)).unwrap_or_default()
            ),
            Recipients::GoldAlert { team, notice } => format!(
                "gold_alert:{}",
                serde_json::to_string(&(team, notice)).unwrap_or_default()
            ),
            Recipients::Work {
                audience,
                team: None,
            } => audience.as_str().to_owned(),
            Recipients::Work {
                audience,
                team: Some(team),
            } => format!("{}:{team}", audience.as_str()),
        }
    }

    fn decode(text: &str) -> Option<Recipients> {
        if let Some(name) = text.strip_prefix("user:") {
            return Some(Recipients::User(name.to_owned()));
        }
        if let Some(notice) = text.strip_prefix("escalated:") {
            return serde_json::from_str(notice).ok().map(Recipients::Escalated);
        }
        if let Some(mention) = text.strip_prefix("mentioned:") {
            return serde_json::from_str(mention)
                .ok()
                .map(|(user, notice)| Recipients::Mentioned { user, notice });
        }
        if let Some(alert) = text.strip_prefix("gold_alert:") {
            return serde_json::from_str(alert)
                .ok()
                .map(|(team, notice)| Recipients::GoldAlert { team, notice });
        }
        let (audience, team) = match text.split_once(':') {
            Some((audience, team)) => (audience, Some(team)),
            None => (text, None),
        };
        Some(Recipients::work(audience.parse().ok()?, team))
    }
}

/// Whether work for `audience`, of `team` (None: no team), is for a user with `role` in `teams`.
fn work_includes(audience: Audience, team: &Option<String>, role: Role, teams: &[String]) -> bool {
    audience.admits(role) && team.as_ref().is_none_or(|team| teams.contains(team))
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
    /// The wake-ups meant for `caller`: those naming them, and those for work they may take (their
    /// role's audience, at large or in one of their teams); one too whenever some were missed. A
    /// wake-up naming the caller reads their teams again first: a change of teams announces the
    /// user.
    pub async fn subscribe_for(
        &self,
        db: &Db,
        caller: Caller,
    ) -> Result<impl Stream<Item = Wake> + use<>, StoreError> {
        // Subscribed before the teams are read, so nothing sent meanwhile is lost.
        let receiver = BroadcastStream::new(self.sender.subscribe());
        let teams = member_teams(db, &caller.name).await?;
        let db = db.clone();
        Ok(futures::stream::unfold(
            (receiver, teams),
            move |(mut receiver, mut teams)| {
                let (db, caller) = (db.clone(), caller.clone());
                async move {
                    loop {
                        let wake = match receiver.next().await? {
                            Ok(Recipients::User(name)) if name == caller.name => {
                                match member_teams(&db, &caller.name).await {
                                    Ok(fresh) => teams = fresh,
                                    Err(error) => {
                                        tracing::warn!(%error, "could not re-read a subscriber's teams")
                                    }
                                }
                                Some(Wake::Pull)
                            }
                            Ok(recipients)
                                if recipients.includes(&caller.name, caller.role, &teams) =>
                            {
                                Some(match recipients {
                                    Recipients::Escalated(notice) => Wake::Escalated(notice),
                                    Recipients::Mentioned { notice, .. } => Wake::Mentioned(notice),
                                    Recipients::GoldAlert { notice, .. } => Wake::GoldAlert(notice),
                                    _ => Wake::Pull,
                                })
                            }
                            Ok(_) => None,
                            // Missed some: say so, the client pulls and catches up.
                            Err(_lagged) => Some(Wake::Pull),
                        };
                        if let Some(wake) = wake {
                            return Some((wake, (receiver, teams)));
                        }
                    }
                }
            },
        ))
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
    /// `shutdown` fires, telling `listening` once it listens. A first connection that fails (the
    /// database busy or restarting) is tried again each second: without the relay, no stream would
    /// ever hear a change. PgListener reconnects by itself after a dropped connection.
    pub async fn relay_postgres(
        &self,
        url: &str,
        shutdown: tokio_util::sync::CancellationToken,
        listening: tokio::sync::oneshot::Sender<()>,
    ) {
        let retry = std::time::Duration::from_secs(1);
        let mut listener = loop {
            match listen(url).await {
                Ok(listener) => break listener,
                Err(error) => {
                    tracing::warn!(%error, "event relay cannot listen yet; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(retry) => {}
                    }
                }
            }
        };
        // Nobody waiting for it is not an error.
        let _ = listening.send(());
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                received = listener.recv() => match received {
                    Ok(notification) => {
                        if let Some(recipients) = Recipients::decode(notification.payload()) {
                            let _ = self.sender.send(recipients);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "event relay lost its connection; retrying");
                        tokio::time::sleep(retry).await;
                    }
                },
            }
        }
    }
}

async fn listen(url: &str) -> Result<sqlx::postgres::PgListener, StoreError> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A notice whose title has the characters the NOTIFY payload's other forms split on.
    fn escalated(team: Option<&str>) -> EscalationNotice {
        EscalationNotice {
            item_id: countersign_domain::ItemId::new_v7(),
            title: "user:x seniors:fraud \"quoted\" ünïcode".to_owned(),
            kind: "transaction".to_owned(),
            team: team.map(str::to_owned),
            due_at: chrono::DateTime::from_timestamp(1_795_000_000, 0),
        }
    }

    #[test]
    fn recipients_round_trip_and_match_roles_and_teams() {
        for recipients in [
            Recipients::User("ana".into()),
            Recipients::User("a.b@c:d".into()),
            Recipients::work(Audience::Reviewers, None),
            Recipients::work(Audience::Seniors, None),
            Recipients::work(Audience::Seniors, Some("fraud")),
            Recipients::work(Audience::Reviewers, Some("team-2.x_y")),
            Recipients::Escalated(escalated(Some("fraud"))),
            Recipients::Escalated(escalated(None)),
            Recipients::Mentioned {
                user: "a.b@c:d".into(),
                notice: MentionNotice {
                    item_id: countersign_domain::ItemId::new_v7(),
                    title: "user:x \"quoted\"".into(),
                    kind: "transaction".into(),
                    team: Some("fraud".into()),
                    by: "sara".into(),
                    comment_id: countersign_domain::DecisionId::new_v7(),
                    excerpt: "@ana see mentioned:[1]".into(),
                },
            },
            Recipients::GoldAlert {
                team: "fraud".into(),
                notice: "{\"reviewer\": \"a:b\"}".into(),
            },
        ] {
            assert_eq!(Recipients::decode(&recipients.encode()), Some(recipients));
        }
        assert_eq!(
            Recipients::work(Audience::Seniors, None).encode(),
            "seniors"
        );
        assert_eq!(
            Recipients::work(Audience::Seniors, Some("fraud")).encode(),
            "seniors:fraud"
        );
        assert_eq!(Recipients::decode("nobody"), None);
        let fraud = ["fraud".to_owned()];
        let everyone = Recipients::work(Audience::Reviewers, None);
        assert!(everyone.includes("x", Role::Senior, &[]));
        assert!(!Recipients::work(Audience::Seniors, None).includes("x", Role::Reviewer, &fraud));
        assert!(!everyone.includes("x", Role::Producer, &[]));
        let fraud_seniors = Recipients::work(Audience::Seniors, Some("fraud"));
        assert!(fraud_seniors.includes("x", Role::Senior, &fraud));
        assert!(!fraud_seniors.includes("x", Role::Senior, &["clinical".to_owned()]));
        assert!(!fraud_seniors.includes("x", Role::Reviewer, &fraud));
        let fraud_reviews = Recipients::work(Audience::Reviewers, Some("fraud"));
        assert!(fraud_reviews.includes("x", Role::Reviewer, &fraud));
        assert!(!fraud_reviews.includes("x", Role::Reviewer, &[]));
        let fraud_escalation = Recipients::Escalated(escalated(Some("fraud")));
        assert!(fraud_escalation.includes("x", Role::Senior, &fraud));
        assert!(!fraud_escalation.includes("x", Role::Senior, &["clinical".to_owned()]));
        assert!(!fraud_escalation.includes("x", Role::Reviewer, &fraud));
        assert!(Recipients::Escalated(escalated(None)).includes("x", Role::Senior, &[]));
        assert!(Recipients::User("ana".into()).includes("ana", Role::Reviewer, &[]));
        assert!(!Recipients::User("ana".into()).includes("bo", Role::Reviewer, &fraud));
    }
}
