//! The demo's decided history (`countersign_queue::demo_history`): seeded on a fresh database, every
//! analytics report read as the demo's senior has real estimates and tells the history's story,
//! nothing of it is left open or with the senior, the audit chain verifies, and seeding again adds
//! nothing.

use chrono::{DateTime, Duration, Utc};
use countersign_queue::demo_history::{self, Seeded};
use countersign_queue::{Db, ManualClock, Policy, users};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::Value;

on_both_backends!(the_demo_history_fills_every_report,);

/// A Monday afternoon.
const NOW: &str = "2026-11-30T16:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .expect("an RFC 3339 time")
}

/// Every rate in `report` that is an estimate (not "not enough data").
fn estimates(report: &Value) -> usize {
    match report {
        Value::Object(fields) => {
            usize::from(fields.get("status").and_then(Value::as_str) == Some("estimated"))
                + fields.values().map(estimates).sum::<usize>()
        }
        Value::Array(values) => values.iter().map(estimates).sum(),
        _ => 0,
    }
}

fn row<'a>(rows: &'a Value, key: &str, value: &str, kind: &str) -> &'a Value {
    rows.as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|row| row[key] == value && (kind.is_empty() || row["kind"] == kind))
        })
        .unwrap_or_else(|| panic!("no row of {value} {kind} in {rows}"))
}

fn rate(estimate: &Value) -> f64 {
    assert_eq!(estimate["status"], "estimated", "{estimate}");
    estimate["rate"].as_f64().expect("a rate")
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&db.pool)
        .await
        .expect("a count")
}

async fn the_demo_history_fills_every_report(backend: Backend) {
    let db = TestDb::new(backend);
    let now = at(NOW);
    let store = Db::open(&db.url).await.expect("the database opens");
    let seeded = demo_history::seed(&store, now)
        .await
        .expect("the history seeds");
    let Seeded::Added { items, decisions } = seeded else {
        panic!("a fresh database gets the history, got {seeded:?}");
    };
    assert!(items >= 500 && decisions > items, "{items} {decisions}");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM items WHERE stage IS NOT NULL").await,
        0,
        "every item of the history is decided"
    );
    let senior = users::ensure_demo_senior(&store, "demo-senior", now)
        .await
        .expect("the demo senior")
        .expect("a new user");
    let before = count(&store, "SELECT COUNT(*) FROM items").await;
    assert_eq!(
        demo_history::seed(&store, now + Duration::hours(1))
            .await
            .expect("seeding again"),
        Seeded::AlreadyThere
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM items").await, before);
    assert!(matches!(
        countersign_queue::audit::verify(&store).await,
        Ok(Ok(_))
    ));
    store.pool.close().await;

    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: Policy::demo(),
            clock: ManualClock::new(now + Duration::minutes(1)),
            ..Default::default()
        },
    )
    .await;
    let get = |path: &'static str| {
        let queue = &queue;
        let senior = senior.clone();
        async move {
            let reply = queue.get(path, &senior).await;
            assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
            reply.body
        }
    };
    let overview = get("/v1/stats/overview").await;
    let blind = get("/v1/stats/blind").await;
    let gold = get("/v1/stats/gold").await;
    let thresholds = get("/v1/stats/thresholds").await;
    let fatigue = get("/v1/stats/fatigue").await;
    for (name, report) in [
        ("overview", &overview),
        ("blind", &blind),
        ("gold", &gold),
        ("thresholds", &thresholds),
        ("fatigue", &fatigue),
    ] {
        assert!(estimates(report) > 0, "{name}: {report}");
    }
    // The story: the fraud model errs more at lower confidence, so the report finds a threshold.
    let recommendation = row(&thresholds["recommendations"], "kind", "transaction", "");
    assert!(
        recommendation["threshold"].as_f64().is_some(),
        "{thresholds}"
    );
    // Dev moves to the AI's answer after the reveal far more often than Cleo.
    let dev = rate(
        &row(
            &blind["rows"],
            "reviewer",
            "demo-dev",
            "clinical_suggestion",
        )["switch_to_ai"],
    );
    let cleo = &row(
        &blind["rows"],
        "reviewer",
        "demo-cleo",
        "clinical_suggestion",
    )["switch_to_ai"];
    assert!(dev > 0.4, "{blind}");
    assert!(
        cleo["rate"].as_f64().is_none_or(|cleo| cleo < dev),
        "{blind}"
    );
    // Ben's gold accuracy on transactions is below the team's minimum; Ana's is not.
    let ben = row(&gold["rows"], "reviewer", "demo-ben", "transaction");
    assert_eq!(ben["below_minimum"], true, "{gold}");
    let ana = row(&gold["rows"], "reviewer", "demo-ana", "transaction");
    assert!(rate(&ana["accuracy"]) > rate(&ben["accuracy"]), "{gold}");
    // Ben is still at work, faster than usual.
    let ben = row(&fatigue["reviewers"], "name", "demo-ben", "");
    assert_ne!(ben["signals"]["verdict"], "fresh", "{fatigue}");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder = 'demo-senior'")
            .await,
        0
    );
}
