//! Issue 9 on SQLite and PostgreSQL: teams keep work with the people qualified for it,
//! escalations reach a busy senior, released work goes to someone else, deadlines act
//! (escalate or timeout_reject, and a decision made offline in time still stands), disabled
//! users and expired tokens are refused, the callback allow-list holds, bad input changes nothing.

mod admin;
mod breaches;
mod comments;
mod events;
mod handoff;
mod history;
mod related;
mod routing;
mod users;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use countersign_domain::Role;
use countersign_queue::auth::{self, UserSpec};
use countersign_queue::callbacks::CallbackAllow;
use countersign_queue::{
    Clock, Db, ManualClock, Policy, ServeOptions, SystemClock, deadlines, teams,
};
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// Creates the demo teams in a fresh database, then starts the queue with `options`.
pub(crate) async fn start_with_teams(db: &TestDb, options: QueueOptions) -> Queue {
    let store = Db::open(&db.url).await.expect("database opens");
    teams::ensure(&store, &teams::DEMO_TEAMS, SystemClock.now())
        .await
        .expect("teams created");
    store.pool.close().await;
    Queue::start(db, options).await
}

/// The people of one fraud transaction's story (tokens), on a queue routing by the demo policy: an
/// admin, the producer `bot`, fraud reviewers `ana`, `ben` and `cleo`, the fraud senior `sara`, the
/// editorial senior `sid`; and the transaction `bot` submitted (routed to fraud), by its id.
pub(super) struct FraudStory {
    pub queue: Queue,
    pub _db: TestDb,
    pub admin: String,
    pub producer: String,
    pub ana: String,
    pub ben: String,
    pub cleo: String,
    pub sara: String,
    pub sid: String,
    pub id: String,
}

/// The demo teams in a fresh database, and the queue routing by the demo policy.
pub(super) async fn start_demo_policy(db: &TestDb) -> Queue {
    start_with_teams(
        db,
        QueueOptions {
            policy: Policy::demo(),
            ..Default::default()
        },
    )
    .await
}

impl FraudStory {
    pub async fn start(backend: Backend, external_id: &str) -> FraudStory {
        let db = TestDb::new(backend);
        let queue = start_demo_policy(&db).await;
        let admin = queue.user("root", Role::Admin).await;
        let producer = queue.user("bot", Role::Producer).await;
        let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
        let ben = member(&queue, "ben", Role::Reviewer, &["fraud"]).await;
        let cleo = member(&queue, "cleo", Role::Reviewer, &["fraud"]).await;
        let sara = member(&queue, "sara", Role::Senior, &["fraud"]).await;
        let sid = member(&queue, "sid", Role::Senior, &["editorial"]).await;
        let submitted = queue
            .submit(&producer, &item(external_id, "transaction", 0.7, "medium"))
            .await;
        let id = submitted["id"].as_str().expect("an id").to_owned();
        FraudStory {
            queue,
            _db: db,
            admin,
            producer,
            ana,
            ben,
            cleo,
            sara,
            sid,
            id,
        }
    }
}

/// A user in `team_names`, directly in the database; returns the token.
pub(crate) async fn member(queue: &Queue, name: &str, role: Role, team_names: &[&str]) -> String {
    let team_names: Vec<String> = team_names.iter().map(|team| (*team).to_owned()).collect();
    let spec = UserSpec {
        name,
        role,
        teams: &team_names,
        token_expires_at: None,
    };
    auth::add_user_with(&queue.state().db, &spec, queue.state().now())
        .await
        .expect("user created")
}

pub(super) fn policy(text: &str) -> Policy {
    Policy::parse(text, "test policy").expect("valid policy")
}

pub(super) fn team_of_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "transaction" => Some("fraud"),
        "content_draft" => Some("editorial"),
        "clinical_suggestion" => Some("clinical"),
        _ => None,
    }
}

const BREACH_POLICY: &str = r#"
[[rules]]
name = "escalate-late-reviews"
kinds = ["transaction"]
route = "review"
due_in = "1h"
warn_before = "15m"
on_breach = "escalate"

[[rules]]
name = "time-out-late-drafts"
kinds = ["content_draft"]
route = "review"
due_in = "1h"
on_breach = "timeout_reject"
"#;

pub(super) async fn breach_queue(backend: Backend) -> (TestDb, Queue, Arc<ManualClock>) {
    clocked_queue(backend, BREACH_POLICY).await
}

/// A queue routing by `policy_text`, on a clock the test moves.
pub(super) async fn clocked_queue(
    backend: Backend,
    policy_text: &str,
) -> (TestDb, Queue, Arc<ManualClock>) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: policy(policy_text),
            ..Default::default()
        },
    )
    .await;
    (db, queue, clock)
}

pub(super) fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc))
        .expect("an RFC 3339 time")
}
