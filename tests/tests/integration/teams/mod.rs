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
pub(super) async fn start_with_teams(db: &TestDb, options: QueueOptions) -> Queue {
    let store = Db::open(&db.url).await.expect("database opens");
    teams::ensure(&store, &teams::DEMO_TEAMS, SystemClock.now())
        .await
        .expect("teams created");
    store.pool.close().await;
    Queue::start(db, options).await
}

/// A user in `team_names`, directly in the database; returns the token.
pub(super) async fn member(queue: &Queue, name: &str, role: Role, team_names: &[&str]) -> String {
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
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: policy(BREACH_POLICY),
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
