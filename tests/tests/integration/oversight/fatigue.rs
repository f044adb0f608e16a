//! Reviewer fatigue end to end (docs/protocol.md, "Reviewer fatigue"): decisions pushed with
//! `opened_at` produce the signals the formulas give in `GET /v1/stats/fatigue`; a fatigued reviewer
//! is not granted high-risk work until after a break; only seniors (for their teams) and admins read
//! the report; an impossible `opened_at` is refused and changes nothing.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use countersign_domain::Role;
use countersign_queue::auth::{self, UserSpec};
use countersign_queue::{Clock, Db, ManualClock, Policy, SystemClock, teams};
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};
use uuid::Uuid;

/// Fraud work goes to the fraud team; high-risk items too (to reviewers, so the hold is what keeps
/// them away), under a policy that holds high-risk work from fatigued reviewers.
const POLICY: &str = r#"
fatigue_hold_high_risk = "fatigued"

[[rules]]
name = "fraud-review"
kinds = ["transaction"]
route = "review"
team = "fraud"

[[rules]]
name = "editorial-review"
route = "review"
team = "editorial"
"#;

struct Desk {
    queue: Queue,
    _db: TestDb,
    clock: Arc<ManualClock>,
    admin: String,
    producer: String,
    ana: String,
    cleo: String,
    sara: String,
    eve: String,
}

async fn member(queue: &Queue, name: &str, role: Role, team: &str) -> String {
    let teams = vec![team.to_owned()];
    let spec = UserSpec {
        name,
        role,
        teams: &teams,
        token_expires_at: None,
    };
    auth::add_user_with(&queue.state().db, &spec, queue.state().now())
        .await
        .expect("user created")
}

impl Desk {
    async fn start(backend: Backend) -> Desk {
        let db = TestDb::new(backend);
        let store = Db::open(&db.url).await.expect("database opens");
        teams::ensure(&store, &teams::DEMO_TEAMS, SystemClock.now())
            .await
            .expect("teams created");
        store.pool.close().await;
        let clock = ManualClock::new(SystemClock.now());
        let queue = Queue::start(
            &db,
            QueueOptions {
                clock: clock.clone(),
                policy: Policy::parse(POLICY, "test policy").expect("valid policy"),
                ..Default::default()
            },
        )
        .await;
        Desk {
            admin: queue.user("root", Role::Admin).await,
            producer: queue.user("bot", Role::Producer).await,
            ana: member(&queue, "ana", Role::Reviewer, "fraud").await,
            cleo: member(&queue, "cleo", Role::Reviewer, "fraud").await,
            sara: member(&queue, "sara", Role::Senior, "fraud").await,
            eve: member(&queue, "eve", Role::Reviewer, "editorial").await,
            queue,
            _db: db,
            clock,
        }
    }

    async fn submit(&self, prefix: &str, count: usize, risk: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for n in 0..count {
            let submitted = self
                .queue
                .submit(
                    &self.producer,
                    &item(&format!("{prefix}-{n}"), "transaction", 0.7, risk),
                )
                .await;
            ids.push(submitted["id"].as_str().expect("an id").to_owned());
        }
        ids
    }

    async fn report(&self, token: &str) -> Value {
        let reply = self.queue.get("/v1/stats/fatigue", token).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body
    }
}

fn rfc3339(time: DateTime<Utc>) -> Value {
    json!(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// Approvals of every held assignment from mutation id `first` on, the n-th decided `start + n *
/// every` after being open for `open`, by the client's clock.
fn approvals(
    held: &[Value],
    first: u64,
    start: DateTime<Utc>,
    every: Duration,
    open: Duration,
) -> Vec<Value> {
    held.iter()
        .enumerate()
        .map(|(n, assignment)| {
            let decided = start + every * n as i32;
            let mut approval = mutation(first + n as u64, assignment, "approve");
            approval["client_time"] = rfc3339(decided);
            approval["opened_at"] = rfc3339(decided - open);
            approval
        })
        .collect()
}

fn statuses(pushed: &Value) -> Vec<&str> {
    pushed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["status"].as_str().expect("a status"))
        .collect()
}

fn reviewer<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["reviewers"]
        .as_array()
        .expect("reviewers")
        .iter()
        .find(|reviewer| reviewer["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in the report: {report}"))
}

fn names(report: &Value) -> Vec<&str> {
    report["reviewers"]
        .as_array()
        .expect("reviewers")
        .iter()
        .map(|reviewer| reviewer["name"].as_str().expect("a name"))
        .collect()
}

fn held_ids(pull: &Value) -> Vec<String> {
    assignments(pull)
        .iter()
        .map(|assignment| assignment["item"]["id"].as_str().expect("an id").to_owned())
        .collect()
}

async fn signals_reach_the_report_and_fatigue_holds_high_risk_work(backend: Backend) {
    let desk = Desk::start(backend).await;
    let t0 = desk.clock.now();
    desk.submit("txn", 20, "medium").await;
    let ana_client = Uuid::now_v7();
    let held = assignments(&desk.queue.pull(&desk.ana, ana_client, None).await);
    assert_eq!(held.len(), 20);
    // Ana decides one every 8 minutes for 152 minutes, each open for 90 s: no break, a long session.
    let pushed = desk
        .queue
        .push(
            &desk.ana,
            ana_client,
            &approvals(&held, 1, t0, Duration::minutes(8), Duration::seconds(90)),
        )
        .await;
    assert_eq!(statuses(&pushed), vec!["applied"; 20]);

    // Cleo rushes ten cases in a second each: far under the reading floor of their text.
    desk.submit("rush", 10, "medium").await;
    let cleo_client = Uuid::now_v7();
    let rushed = assignments(&desk.queue.pull(&desk.cleo, cleo_client, None).await);
    assert_eq!(rushed.len(), 10);
    let start = t0 + Duration::minutes(150);
    let pushed = desk
        .queue
        .push(
            &desk.cleo,
            cleo_client,
            &approvals(
                &rushed,
                1,
                start,
                Duration::seconds(5),
                Duration::seconds(1),
            ),
        )
        .await;
    assert_eq!(statuses(&pushed), vec!["applied"; 10]);

    desk.clock.advance(Duration::minutes(153));
    let report = desk.report(&desk.sara).await;
    let ana = reviewer(&report, "ana");
    assert_eq!(ana["teams"], json!(["fraud"]));
    let signals = &ana["signals"];
    assert_eq!(signals["verdict"], "fatigued", "{signals}");
    assert_eq!(signals["reasons"][0]["signal"], "long_session");
    assert_eq!(signals["reasons"].as_array().map(Vec::len), Some(1));
    assert_eq!(signals["session"]["decisions"], 20);
    // From the first opening (t0 - 90 s) to the last decision (t0 + 152 min).
    assert_eq!(signals["session"]["seconds"], 152 * 60 + 90);
    assert_eq!(signals["session"]["breaks"], 0);
    assert_eq!(signals["streak"]["action"], "approve");
    assert_eq!(signals["streak"]["current"], 20);
    assert_eq!(signals["pace"]["status"], "no_baseline");
    assert_eq!(signals["under_reading_time"]["status"], "not_enough_data");
    assert_eq!(signals["under_reading_time"]["successes"], 0);
    assert_eq!(signals["under_reading_time"]["trials"], 20);

    let cleo = &reviewer(&report, "cleo")["signals"];
    assert_eq!(cleo["verdict"], "fatigued", "{cleo}");
    assert_eq!(cleo["reasons"][0]["signal"], "under_reading_time");
    assert_eq!(cleo["under_reading_time"]["successes"], 10);
    assert_eq!(cleo["under_reading_time"]["trials"], 10);
    assert_eq!(reviewer(&report, "sara")["signals"]["verdict"], "fresh");

    // Fatigued: a pull brings Ana the new medium-risk item but not the high-risk one.
    let high = desk.submit("high", 1, "high").await;
    let medium = desk.submit("more", 1, "medium").await;
    let granted = held_ids(&desk.queue.pull(&desk.ana, ana_client, None).await);
    assert_eq!(granted, medium, "only the medium-risk item");
    // After a break of a quarter of an hour she is fresh again, and it comes.
    desk.clock.advance(Duration::minutes(15));
    assert_eq!(
        reviewer(&desk.report(&desk.sara).await, "ana")["signals"]["verdict"],
        "fresh"
    );
    let granted = held_ids(&desk.queue.pull(&desk.ana, ana_client, None).await);
    assert!(granted.contains(&high[0]), "{granted:?}");
}

async fn only_seniors_of_the_team_and_admins_read_the_report(backend: Backend) {
    let desk = Desk::start(backend).await;
    for token in [&desk.ana, &desk.eve, &desk.producer] {
        let reply = desk.queue.get("/v1/stats/fatigue", token).await;
        assert_eq!(reply.status, 403, "{reply:?}");
        assert_eq!(reply.code(), "forbidden");
    }
    assert_eq!(
        desk.queue
            .request(reqwest::Method::GET, "/v1/stats/fatigue", None, None)
            .await
            .status,
        401
    );
    // Sara, senior of fraud, sees fraud's people; the admin sees every reviewer and senior.
    assert_eq!(
        names(&desk.report(&desk.sara).await),
        ["ana", "cleo", "sara"]
    );
    assert_eq!(
        names(&desk.report(&desk.admin).await),
        ["ana", "cleo", "eve", "sara"]
    );
}

async fn an_impossible_opened_at_is_refused_and_changes_nothing(backend: Backend) {
    let desk = Desk::start(backend).await;
    let ids = desk.submit("txn", 2, "medium").await;
    let client = Uuid::now_v7();
    let held = assignments(&desk.queue.pull(&desk.ana, client, None).await);
    let decided = desk.clock.now();
    let mut later = mutation(1, &held[0], "approve");
    later["client_time"] = rfc3339(decided);
    later["opened_at"] = rfc3339(decided + Duration::hours(1));
    let mut ancient = mutation(2, &held[1], "approve");
    ancient["client_time"] = rfc3339(decided);
    ancient["opened_at"] = rfc3339(decided - Duration::days(90));
    let pushed = desk.queue.push(&desk.ana, client, &[later, ancient]).await;
    assert_eq!(statuses(&pushed), ["rejected", "rejected"]);
    for result in pushed["results"].as_array().expect("results") {
        assert_eq!(result["code"], "invalid_opened_at", "{result}");
    }
    for id in ids {
        let item = desk
            .queue
            .get(&format!("/v1/items/{id}"), &desk.admin)
            .await;
        assert_eq!(item.body["status"], "pending");
        assert_eq!(item.body["decisions"], json!([]));
    }
    assert_eq!(desk.queue.count("SELECT COUNT(*) FROM decisions").await, 0);
}

on_both_backends!(
    signals_reach_the_report_and_fatigue_holds_high_risk_work,
    only_seniors_of_the_team_and_admins_read_the_report,
    an_impossible_opened_at_is_refused_and_changes_nothing,
);
