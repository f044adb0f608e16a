//! The analytics reports (docs/protocol.md, "Statistics endpoints") on a known history: the
//! overview's exact counts and intervals, "not enough data" below 30, who may read it (seniors their
//! teams, admins everything, others 403), a bad `since` refused, and the `/metrics` totals.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use countersign_domain::Role;
use countersign_queue::{ManualClock, Policy};
use countersign_testkit::fixtures::{assert_all_applied, assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::teams::{member, start_with_teams};

on_both_backends!(the_overview_counts_a_known_history,);

const POLICY: &str = r#"
[[rules]]
name = "fraud-review"
kinds = ["transaction"]
route = "review"
team = "fraud"
due_in = "1h"

[[rules]]
name = "editorial-review"
kinds = ["content_draft"]
route = "review"
team = "editorial"
due_in = "1h"
"#;

/// 22:00 UTC, so that the decisions two hours later fall on the next day.
const START: &str = "2026-11-20T22:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .expect("an RFC 3339 time")
}

/// Decides `held` through one push each, with the action `action_of` gives each assignment.
async fn decide(
    queue: &Queue,
    token: &str,
    client: Uuid,
    next_id: &mut u64,
    held: &[Value],
    action_of: impl Fn(&Value) -> &'static str,
) {
    let mutations: Vec<Value> = held
        .iter()
        .map(|assignment| {
            *next_id += 1;
            mutation(*next_id, assignment, action_of(assignment))
        })
        .collect();
    assert_all_applied(&queue.push(token, client, &mutations).await, held.len());
}

fn estimated(successes: u64, trials: u64) -> impl Fn(&Value) {
    move |rate: &Value| {
        assert_eq!(rate["status"], "estimated", "{rate}");
        assert_eq!(rate["successes"], successes, "{rate}");
        assert_eq!(rate["trials"], trials, "{rate}");
        let (low, high) =
            countersign_domain::estimate::wilson_interval(successes, trials, 1.959_963_984_540_054);
        let close = |value: &Value, expected: f64| {
            value
                .as_f64()
                .is_some_and(|value| (value - expected).abs() < 1e-9)
        };
        assert!(
            close(&rate["rate"], successes as f64 / trials as f64),
            "{rate}"
        );
        assert!(
            close(&rate["low"], low) && close(&rate["high"], high),
            "{rate}"
        );
    }
}

fn not_enough(successes: u64, trials: u64) -> Value {
    json!({"status": "not_enough_data", "successes": successes, "trials": trials, "needed": 30})
}

/// 40 fraud transactions (30 at confidence 0.92, 10 at 0.55) and 5 editorial drafts (0.95), each due
/// an hour after submission: 30 transactions decided in time on the first day, 10 late on the next,
/// the drafts in time; 9 transactions overridden (3 rejected at 0.92; 3 rejected and 3 corrected at
/// 0.55); 2 transactions left waiting.
async fn the_overview_counts_a_known_history(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(at(START));
    let queue = start_with_teams(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: Policy::parse(POLICY, "test policy").expect("valid policy"),
            ..Default::default()
        },
    )
    .await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let eve = member(&queue, "eve", Role::Reviewer, &["editorial"]).await;
    let sara = member(&queue, "sara", Role::Senior, &["fraud"]).await;
    let sid = member(&queue, "sid", Role::Senior, &["editorial"]).await;

    for n in 0..40 {
        let confidence = if n < 30 { 0.92 } else { 0.55 };
        let submitted = item(&format!("t-{n:02}"), "transaction", confidence, "medium");
        queue.submit(&producer, &submitted).await;
    }
    let ana_client = Uuid::now_v7();
    let mut ana_ids = 0;
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 40);
    let confidence = |assignment: &Value| assignment["item"]["ai"]["confidence"].as_f64();
    let (confident, unsure): (Vec<Value>, Vec<Value>) = held
        .into_iter()
        .partition(|assignment| confidence(assignment) == Some(0.92));
    // Of the ten unsure ones: three rejected, three corrected, four approved; of the confident
    // ones three rejected (all in time), the rest approved.
    let position = |list: &[Value], assignment: &Value| {
        list.iter()
            .position(|other| other["item"]["id"] == assignment["item"]["id"])
            .unwrap_or(usize::MAX)
    };
    clock.advance(chrono::Duration::minutes(10));
    decide(
        &queue,
        &ana,
        ana_client,
        &mut ana_ids,
        &unsure,
        |assignment| match position(&unsure, assignment) {
            0..=2 => "reject",
            3..=5 => "approve_with_edits",
            _ => "approve",
        },
    )
    .await;
    decide(
        &queue,
        &ana,
        ana_client,
        &mut ana_ids,
        &confident[..20],
        |assignment| {
            if position(&confident, assignment) < 3 {
                "reject"
            } else {
                "approve"
            }
        },
    )
    .await;
    clock.advance(chrono::Duration::hours(2));
    decide(
        &queue,
        &ana,
        ana_client,
        &mut ana_ids,
        &confident[20..],
        |_| "approve",
    )
    .await;
    for n in 0..5 {
        let submitted = item(&format!("d-{n}"), "content_draft", 0.95, "medium");
        queue.submit(&producer, &submitted).await;
    }
    let eve_client = Uuid::now_v7();
    let drafts = assignments(&queue.pull(&eve, eve_client, None).await);
    assert_eq!(drafts.len(), 5);
    clock.advance(chrono::Duration::minutes(5));
    decide(&queue, &eve, eve_client, &mut 0, &drafts, |_| "approve").await;
    for n in 0..2 {
        let waiting = item(&format!("w-{n}"), "transaction", 0.7, "medium");
        queue.submit(&producer, &waiting).await;
    }

    let overview = queue.get("/v1/stats/overview", &admin).await;
    assert_eq!(overview.status, 200, "{overview:?}");
    let report = &overview.body;
    assert_eq!(
        at(report["since"].as_str().unwrap_or_default()),
        queue.state().now() - chrono::Duration::days(30)
    );
    assert_eq!(
        report["throughput"],
        json!([
            {"day": "2026-11-20", "team": "fraud", "decisions": 30},
            {"day": "2026-11-21", "team": "editorial", "decisions": 5},
            {"day": "2026-11-21", "team": "fraud", "decisions": 10},
        ])
    );
    let queue_rows = report["queue"].as_array().cloned().unwrap_or_default();
    assert_eq!(queue_rows.len(), 1, "{queue_rows:?}");
    assert_eq!(
        (
            &queue_rows[0]["team"],
            &queue_rows[0]["stage"],
            &queue_rows[0]["depth"]
        ),
        (&json!("fraud"), &json!("review"), &json!(2))
    );
    let sla: HashMap<String, Value> = report["sla"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            (
                row["team"].as_str().unwrap_or("").to_owned(),
                row["in_time"].clone(),
            )
        })
        .collect();
    estimated(30, 40)(&sla["fraud"]);
    assert_eq!(sla["editorial"], not_enough(5, 5), "below 30: no rate");

    let overrides = &report["overrides"];
    let keyed = |list: &Value, key: &str| -> Value {
        list.as_array()
            .into_iter()
            .flatten()
            .find(|row| row["key"] == key)
            .map(|row| row["rate"].clone())
            .unwrap_or_else(|| panic!("{key} in {list}"))
    };
    estimated(9, 40)(&keyed(&overrides["by_kind"], "transaction"));
    assert_eq!(
        keyed(&overrides["by_kind"], "content_draft"),
        not_enough(0, 5)
    );
    estimated(9, 45)(&keyed(&overrides["by_model"], "test-model"));
    assert_eq!(overrides["by_band"].as_array().map(Vec::len), Some(2));
    assert_eq!(keyed(&overrides["by_band"], "0.5"), not_enough(6, 10));
    estimated(3, 35)(&keyed(&overrides["by_band"], "0.9"));

    let calibration = report["calibration"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(calibration.len(), 2, "{calibration:?}");
    assert_eq!(calibration[0]["band"], 0.5);
    assert!((calibration[0]["mean_confidence"].as_f64().unwrap_or(0.0) - 0.55).abs() < 1e-9);
    assert_eq!(calibration[0]["agreement"], not_enough(4, 10));
    assert_eq!(calibration[1]["band"], 0.9);
    let mean = (30.0 * 0.92 + 5.0 * 0.95) / 35.0;
    assert!((calibration[1]["mean_confidence"].as_f64().unwrap_or(0.0) - mean).abs() < 1e-9);
    estimated(32, 35)(&calibration[1]["agreement"]);

    // A window from the second day on leaves the first day's decisions out.
    let later = queue
        .get("/v1/stats/overview?since=2026-11-21T00:00:00Z", &admin)
        .await;
    assert_eq!(later.status, 200, "{later:?}");
    assert_eq!(
        later.body["throughput"],
        json!([
            {"day": "2026-11-21", "team": "editorial", "decisions": 5},
            {"day": "2026-11-21", "team": "fraud", "decisions": 10},
        ])
    );
    assert_eq!(
        keyed(&later.body["overrides"]["by_kind"], "transaction"),
        not_enough(0, 10)
    );

    // Seniors see their teams only; reviewers and producers nothing; a bad since is refused.
    let saras = queue.get("/v1/stats/overview", &sara).await;
    assert_eq!(saras.status, 200, "{saras:?}");
    assert!(
        saras.body["throughput"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|day| day["team"] == "fraud")
    );
    assert_eq!(saras.body["sla"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        saras.body["overrides"]["by_kind"]
            .as_array()
            .map(|rows| rows
                .iter()
                .map(|row| row["key"].clone())
                .collect::<Vec<_>>()),
        Some(vec![json!("transaction")])
    );
    let sids = queue.get("/v1/stats/overview", &sid).await;
    assert_eq!(sids.status, 200, "{sids:?}");
    assert_eq!(
        sids.body["throughput"],
        json!([{"day": "2026-11-21", "team": "editorial", "decisions": 5}])
    );
    assert_eq!(sids.body["queue"], json!([]), "the waiting work is fraud's");
    for token in [&ana, &producer] {
        let refused = queue.get("/v1/stats/overview", token).await;
        assert_eq!(
            (refused.status, refused.code()),
            (403, "forbidden"),
            "{refused:?}"
        );
    }
    for since in ["last-week", "2030-01-01T00:00:00Z"] {
        let refused = queue
            .get(&format!("/v1/stats/overview?since={since}"), &admin)
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (400, "invalid_query"),
            "{refused:?}"
        );
    }

    // The same history as Prometheus counters.
    let metrics = queue.metrics().await;
    let counter = |series: &str| -> f64 {
        let prefix = format!("countersign_queue_{series} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in {metrics}"))
    };
    assert_eq!(
        counter(r#"decisions_total{action="approve",kind="transaction"}"#),
        31.0
    );
    assert_eq!(
        counter(r#"decisions_total{action="reject",kind="transaction"}"#),
        6.0
    );
    assert_eq!(
        counter(r#"decisions_total{action="approve_with_edits",kind="transaction"}"#),
        3.0
    );
    assert_eq!(
        counter(r#"decisions_total{action="approve",kind="content_draft"}"#),
        5.0
    );
    assert_eq!(counter(r#"overrides_total{kind="transaction"}"#), 9.0);
    assert_eq!(counter(r#"sla_breaches_total{team="fraud"}"#), 10.0);
    assert!(
        !metrics.contains(r#"sla_breaches_total{team="editorial"}"#),
        "the drafts were decided in time"
    );
    assert_eq!(counter(r#"depth{team="fraud",stage="review"}"#), 2.0);
}
