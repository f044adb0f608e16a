//! Audited auto-approvals on SQLite and PostgreSQL (docs/protocol.md, "Audited auto-approvals and
//! thresholds"): a 5% sample audits a binomial share of 2,000 auto-approvals, the same items for the
//! same seed; the producer's outcome is never held back or changed; the audit reaches the rule's
//! team; the threshold report recommends the threshold a known error curve implies; a shadow rule
//! changes no routing and records its would-be route; bad oversight keys are refused.

use std::collections::BTreeSet;

use countersign_domain::estimate::wilson_interval;
use countersign_domain::{NewItem, RateEstimate, Role, ThresholdReport};
use countersign_queue::stats::thresholds;
use countersign_queue::{Policy, items};
use countersign_testkit::fixtures::{assert_all_applied, assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

use crate::teams::{member, start_with_teams};

on_both_backends!(
    a_five_percent_sample_audits_a_binomial_share_and_the_same_items_for_the_same_seed,
    an_audit_goes_to_the_rules_team_and_never_touches_the_outcome,
    the_threshold_report_recommends_what_the_error_curve_implies,
    a_shadow_rule_changes_no_routing_and_records_its_would_be_route,
);

/// The two-sided 95% normal quantile, as the Wilson interval of the reports uses.
const Z_95: f64 = 1.959_963_984_540_054;

fn policy(text: &str) -> Policy {
    Policy::parse(text, "test policy").expect("a valid policy")
}

async fn start(backend: Backend, policy_text: &str) -> (Queue, TestDb) {
    let db = TestDb::new(backend);
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: policy(policy_text),
            ..Default::default()
        },
    )
    .await;
    (queue, db)
}

/// The external ids of the items drawn for an audit.
async fn audited_ids(queue: &Queue) -> BTreeSet<String> {
    sqlx::query("SELECT i.external_id FROM audit_samples s JOIN items i ON i.id = s.item_id")
        .fetch_all(&queue.state().db.pool)
        .await
        .expect("audit samples read")
        .iter()
        .map(|row| row.get::<String, _>("external_id"))
        .collect()
}

/// The smallest k with P(X ≤ k) ≥ q for X ~ Binomial(n, p), from the exact distribution.
fn binomial_quantile(n: u64, p: f64, q: f64) -> u64 {
    let mut pmf = (1.0 - p).powi(n as i32);
    let mut cdf = pmf;
    let mut k = 0;
    while cdf < q && k < n {
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
        k += 1;
        cdf += pmf;
    }
    k
}

const FIVE_PERCENT: &str = r#"
audit_seed = 2026
[[rules]]
name = "confident-auto-approval"
confidence_at_least = 0.9
route = "auto_approved"
audit_sample = 0.05
[[rules]]
name = "review"
route = "review"
"#;

/// 2,000 auto-approvals through the real submission path, in four transactions.
async fn submit_two_thousand(queue: &Queue) {
    queue.user("bot", Role::Producer).await;
    let batch: Vec<NewItem> = (0..2000)
        .map(|n| {
            serde_json::from_value(item(&format!("txn-{n}"), "transaction", 0.97, "low"))
                .expect("a NewItem")
        })
        .collect();
    for chunk in batch.chunks(500) {
        let submitted = items::submit_all(queue.state(), "bot", chunk)
            .await
            .expect("submitted");
        assert!(submitted.iter().all(|item| item.created));
    }
}

async fn a_five_percent_sample_audits_a_binomial_share_and_the_same_items_for_the_same_seed(
    backend: Backend,
) {
    let (first, _first_db) = start(backend, FIVE_PERCENT).await;
    submit_two_thousand(&first).await;
    let audited = audited_ids(&first).await;
    let (low, high) = (
        binomial_quantile(2000, 0.05, 0.0005),
        binomial_quantile(2000, 0.05, 0.9995),
    );
    let count = audited.len() as u64;
    assert!(
        (low..=high).contains(&count),
        "{count} audits of 2,000 at 5% is outside the binomial 99.9% bounds {low}..={high}"
    );
    // The producer's outcome is not held back: every item is auto-approved, audited or not.
    assert_eq!(
        first
            .count(
                "SELECT COUNT(*) FROM items WHERE status = 'auto_approved' AND outcome = 'approved'"
            )
            .await,
        2000
    );
    assert_eq!(
        first
            .count("SELECT COUNT(*) FROM items WHERE stage = 'audit' AND audience = 'reviewers'")
            .await,
        count as i64
    );
    // The same seed on a fresh queue draws the same items; another seed draws others.
    let (second, _second_db) = start(backend, FIVE_PERCENT).await;
    submit_two_thousand(&second).await;
    assert_eq!(audited_ids(&second).await, audited);
    let (other, _other_db) = start(backend, &FIVE_PERCENT.replace("2026", "2027")).await;
    submit_two_thousand(&other).await;
    assert_ne!(audited_ids(&other).await, audited);
}

async fn an_audit_goes_to_the_rules_team_and_never_touches_the_outcome(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy: policy(
                r#"
                [[rules]]
                name = "fraud-auto-approval"
                kinds = ["transaction"]
                confidence_at_least = 0.9
                route = "auto_approved"
                team = "fraud"
                audit_sample = 1.0
                "#,
            ),
            ..Default::default()
        },
    )
    .await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["fraud"]).await;
    let ed = member(&queue, "ed", Role::Reviewer, &["editorial"]).await;
    let mut submitted = item("txn-audited", "transaction", 0.97, "low");
    submitted["callback_url"] = json!("http://127.0.0.1:9/hook");
    let created = queue.submit(&producer, &submitted).await;
    assert_eq!(
        (created["status"].as_str(), created["outcome"].as_str()),
        (Some("auto_approved"), Some("approved")),
        "the producer has its outcome at once"
    );
    let id = created["id"].as_str().expect("an id").to_owned();

    assert!(
        assignments(&queue.pull(&ed, Uuid::now_v7(), None).await).is_empty(),
        "another team's reviewer is not offered the audit"
    );
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&ana, client, None).await);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["stage"], "audit");
    assert_eq!(held[0]["item"]["id"], id.as_str());

    let mut reject = mutation(2, &held[0], "reject");
    reject["reason_code"] = json!("wrong_merchant");
    let pushed = queue
        .push(&ana, client, &[mutation(1, &held[0], "escalate"), reject])
        .await;
    assert_eq!(pushed["results"][0]["status"], "rejected", "{pushed}");
    assert_eq!(pushed["results"][1]["status"], "applied", "{pushed}");

    let after = queue.get(&format!("/v1/items/{id}"), &producer).await;
    assert_eq!(after.body["status"], "auto_approved");
    assert_eq!(after.body["outcome"], "approved");
    assert_eq!(
        after.body["decisions"],
        json!([]),
        "the verdict is not a decision"
    );
    assert_eq!(
        queue
            .count(&format!(
                "SELECT COUNT(*) FROM webhook_outbox WHERE item_id = '{id}'"
            ))
            .await,
        1,
        "one webhook, for the auto-approval; none for the audit"
    );
    assert!(queue.feedback(&admin, "sft").await.is_empty());
    assert_eq!(
        queue
            .count(&format!(
                "SELECT COUNT(*) FROM audit_samples WHERE item_id = '{id}' \
                 AND verdict = 'reject' AND reason_code = 'wrong_merchant' AND by_user = 'ana'"
            ))
            .await,
        1
    );
    let history = queue.get(&format!("/v1/items/{id}/history"), &admin).await;
    let verdicts: Vec<&Value> = history.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "audit_verdict")
        .collect();
    assert_eq!(verdicts.len(), 1, "{}", history.body);
    assert_eq!(verdicts[0]["data"]["verdict"], "reject");
    assert!(assignments(&queue.pull(&ana, client, None).await).is_empty());
}

/// Confidence levels and the share of the AI's answers at each that the audits find wrong: a curve
/// falling to zero from 0.77 up.
const CURVE: [(f64, f64); 10] = [
    (0.52, 0.5),
    (0.57, 0.4),
    (0.62, 0.3),
    (0.67, 0.2),
    (0.72, 0.1),
    (0.77, 0.0),
    (0.82, 0.0),
    (0.87, 0.0),
    (0.92, 0.0),
    (0.97, 0.0),
];
const PER_LEVEL: usize = 60;

fn wrong(level: usize, n: usize) -> bool {
    (n as f64) < CURVE[level].1 * PER_LEVEL as f64
}

/// The threshold the curve implies, computed from the synthetic data alone: the lowest grid point
/// whose audits at or above it number at least 30 and have a Wilson upper bound below `target`.
fn expected_threshold(grid: &[f64], target: f64) -> Option<f64> {
    grid.iter().copied().find(|&threshold| {
        let (mut errors, mut trials) = (0u64, 0u64);
        for (level, (confidence, _)) in CURVE.iter().enumerate() {
            if *confidence >= threshold {
                trials += PER_LEVEL as u64;
                errors += (0..PER_LEVEL).filter(|&n| wrong(level, n)).count() as u64;
            }
        }
        trials >= 30 && wilson_interval(errors, trials, Z_95).1 < target
    })
}

async fn the_threshold_report_recommends_what_the_error_curve_implies(backend: Backend) {
    let (queue, _db) = start(
        backend,
        r#"
        prefetch = 500
        target_error = 0.02
        [[rules]]
        name = "auto-above-half"
        confidence_at_least = 0.5
        route = "auto_approved"
        audit_sample = 1.0
        [[rules]]
        name = "review"
        route = "review"
        "#,
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let auditor = queue.user("ana", Role::Reviewer).await;
    let admin = queue.user("root", Role::Admin).await;
    let batch: Vec<NewItem> = CURVE
        .iter()
        .enumerate()
        .flat_map(|(level, (confidence, _))| {
            (0..PER_LEVEL).map(move |n| {
                serde_json::from_value(item(
                    &format!("{level}-{n}"),
                    "transaction",
                    *confidence,
                    "low",
                ))
                .expect("a NewItem")
            })
        })
        .collect();
    items::submit_all(queue.state(), "bot", &batch)
        .await
        .expect("submitted");
    // The auditor judges every item as the curve says, through the real sync.
    let client = Uuid::now_v7();
    let (mut next_id, mut cursor) = (1, None::<String>);
    loop {
        let pulled = queue.pull(&auditor, client, cursor.as_deref()).await;
        cursor = pulled["cursor"].as_str().map(str::to_owned);
        let held = assignments(&pulled);
        if held.is_empty() {
            break;
        }
        let verdicts: Vec<Value> = held
            .iter()
            .map(|assignment| {
                assert_eq!(assignment["stage"], "audit");
                let external = assignment["item"]["external_id"].as_str().unwrap_or("");
                let (level, n) = external.split_once('-').expect("level-n");
                let is_wrong = wrong(level.parse().expect("level"), n.parse().expect("n"));
                next_id += 1;
                mutation(
                    next_id - 1,
                    assignment,
                    if is_wrong { "reject" } else { "approve" },
                )
            })
            .collect();
        assert_all_applied(
            &queue.push(&auditor, client, &verdicts).await,
            verdicts.len(),
        );
    }
    assert_eq!(next_id - 1, (CURVE.len() * PER_LEVEL) as u64);

    assert_eq!(
        queue.get("/v1/stats/thresholds", &auditor).await.status,
        403,
        "reviewers see no statistics"
    );
    assert_eq!(
        queue.get("/v1/stats/thresholds", &producer).await.status,
        403
    );
    let reply = queue.get("/v1/stats/thresholds", &admin).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report: ThresholdReport = serde_json::from_value(reply.body).expect("a ThresholdReport");
    let expected = expected_threshold(&report.grid, 0.02);
    assert_eq!(expected, Some(0.75), "the curve is unambiguous");
    assert_eq!(report.recommendations.len(), 1);
    let recommended = &report.recommendations[0];
    assert_eq!(
        (recommended.kind.as_str(), recommended.model.as_deref()),
        ("transaction", Some("test-model"))
    );
    assert_eq!(recommended.threshold, expected);
    assert_eq!(recommended.target_error, 0.02);
    assert!(matches!(
        recommended.error,
        RateEstimate::Estimated {
            successes: 0,
            trials: 300,
            ..
        }
    ));
    // Per band: 0.5–0.6 holds levels 0.52 and 0.57 (30 + 24 wrong of 120), 0.9–1.0 none wrong.
    let band = |edge: f64| {
        report
            .error_rates
            .iter()
            .find(|row| (row.band - edge).abs() < 1e-9)
            .map(|row| row.error)
    };
    assert_eq!(band(0.5), Some(RateEstimate::of(54, 120)));
    assert_eq!(band(0.9), Some(RateEstimate::of(0, 120)));
    assert!(thresholds::table(&report).contains("confidence ≥ 0.75"));
}

const WITH_SHADOW: &str = r#"
[[rules]]
name = "high-risk-escalation"
risk = ["high"]
route = "escalation"
[[rules]]
name = "try-auto-above-0.8"
mode = "shadow"
confidence_at_least = 0.8
route = "auto_approved"
[[rules]]
name = "auto-above-0.95"
confidence_at_least = 0.95
route = "auto_approved"
[[rules]]
name = "review"
route = "review"
"#;

async fn a_shadow_rule_changes_no_routing_and_records_its_would_be_route(backend: Backend) {
    let (queue, _db) = start(backend, WITH_SHADOW).await;
    let producer = queue.user("bot", Role::Producer).await;
    let reviewer = queue.user("ana", Role::Reviewer).await;
    let admin = queue.user("root", Role::Admin).await;
    // The same policy without the shadow rule routes every item the same way.
    let live_only = policy(&WITH_SHADOW.replace(
        "[[rules]]\nname = \"try-auto-above-0.8\"\nmode = \"shadow\"\nconfidence_at_least = 0.8\nroute = \"auto_approved\"\n",
        "",
    ));
    assert_eq!(live_only.rules.len(), 3);
    let cases = [
        ("a", 0.7, "low", None),
        ("b", 0.85, "low", Some("review")),
        ("c", 0.9, "low", Some("review")),
        ("d", 0.97, "low", Some("auto_approved")),
        ("e", 0.9, "high", None),
    ];
    let mut ids = Vec::new();
    for (external, confidence, risk, live_when_shadowed) in cases {
        let body = item(external, "transaction", confidence, risk);
        let created = queue.submit(&producer, &body).await;
        let expected: NewItem = serde_json::from_value(body).expect("a NewItem");
        let routing = live_only.route(&expected);
        assert_eq!(created["routing_rule"], routing.rule.as_str(), "{external}");
        assert_eq!(created["route"], json!(routing.route), "{external}");
        let id = created["id"].as_str().expect("an id").to_owned();
        let recorded: Vec<(String, String)> = sqlx::query(
            "SELECT route, live_route FROM shadow_routes WHERE item_id = $1 AND rule = 'try-auto-above-0.8'",
        )
        .bind(&id)
        .fetch_all(&queue.state().db.pool)
        .await
        .expect("shadow routes read")
        .iter()
        .map(|row| (row.get("route"), row.get("live_route")))
        .collect();
        let expected_rows: Vec<(String, String)> = live_when_shadowed
            .map(|live: &str| ("auto_approved".to_owned(), live.to_owned()))
            .into_iter()
            .collect();
        assert_eq!(recorded, expected_rows, "{external}");
        ids.push(id);
    }
    // A person approves b as it stands and rejects c: the shadow auto-approval was right once.
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);
    let of = |external: &str| {
        held.iter()
            .find(|assignment| assignment["item"]["external_id"] == external)
            .cloned()
            .expect("held")
    };
    let pushed = queue
        .push(
            &reviewer,
            client,
            &[
                mutation(1, &of("b"), "approve"),
                mutation(2, &of("c"), "reject"),
            ],
        )
        .await;
    assert_eq!(pushed["results"][1]["status"], "applied", "{pushed}");
    let report: ThresholdReport =
        serde_json::from_value(queue.get("/v1/stats/thresholds", &admin).await.body)
            .expect("a ThresholdReport");
    assert_eq!(report.shadow.len(), 1);
    let shadow = &report.shadow[0];
    assert_eq!(shadow.rule, "try-auto-above-0.8");
    assert_eq!(shadow.agrees_with_live, RateEstimate::of(1, 3));
    assert_eq!(shadow.agrees_with_human, RateEstimate::of(1, 2));
    let history = queue
        .get(&format!("/v1/items/{}/history", ids[1]), &admin)
        .await;
    let route = history.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|entry| entry["action"] == "route")
        .cloned()
        .expect("a route entry");
    assert_eq!(
        route["data"]["shadow"],
        json!([{"rule": "try-auto-above-0.8", "route": "auto_approved"}])
    );
    assert!(thresholds::shadow_table(&report).contains("try-auto-above-0.8"));
}

#[test]
fn bad_oversight_keys_are_refused_with_clear_errors() {
    for (text, fragments) in [
        (
            "[[rules]]\nname = \"auto\"\nroute = \"auto_approved\"\naudit_sample = 1.5",
            &[
                "rule \"auto\"",
                "audit_sample must be between 0 and 1",
                "1.5",
            ][..],
        ),
        (
            "[[rules]]\nname = \"auto\"\nroute = \"auto_approved\"\naudit_sample = -0.1",
            &["audit_sample must be between 0 and 1"][..],
        ),
        (
            "[[rules]]\nname = \"r\"\nroute = \"review\"\nmode = \"dry\"",
            &["mode", "unknown variant `dry`", "`live`", "`shadow`"][..],
        ),
        (
            "[[rules]]\nname = \"r\"\nroute = \"review\"\naudit_sample = 0.05",
            &["audit_sample needs a live route = \"auto_approved\""][..],
        ),
        ("target_error = 0", &["target_error must be above 0"][..]),
    ] {
        let error = Policy::parse(text, "policy.toml")
            .expect_err(text)
            .to_string();
        for fragment in fragments {
            assert!(error.contains(fragment), "{error:?} lacks {fragment:?}");
        }
    }
}
