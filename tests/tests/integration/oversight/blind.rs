//! Blind first read (docs/protocol.md, "Blind first read"): a clinical suggestion routed by a blind
//! rule reaches its reviewer marked blind; a decision without the reviewer's own verdict is refused
//! and stores nothing; a blind reject followed by an approval after the reveal keeps both judgements
//! in `decisions[]` and counts as a switch in `GET /v1/stats/blind`, which the seniors of the team and
//! admins may read, a senior of another team sees nothing of, and reviewers and producers may not.

use countersign_domain::Role;
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, QueueOptions, TestDb, on_both_backends};
use serde_json::json;
use uuid::Uuid;

use crate::teams::{member, policy, start_with_teams};

on_both_backends!(a_blind_decision_records_both_judgements_and_the_switch_is_counted);

const BLIND_POLICY: &str = r#"
[[rules]]
name = "clinical-blind-review"
kinds = ["clinical_suggestion"]
route = "review"
team = "clinical"
blind = true

[[rules]]
name = "default-review"
route = "review"
"#;

async fn a_blind_decision_records_both_judgements_and_the_switch_is_counted(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy: policy(BLIND_POLICY),
            ..Default::default()
        },
    )
    .await;
    let admin = queue.user("root", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let nia = member(&queue, "nia", Role::Reviewer, &["clinical"]).await;
    let rex = member(&queue, "rex", Role::Reviewer, &["clinical"]).await;
    let sam = member(&queue, "sam", Role::Senior, &["clinical"]).await;
    let sid = member(&queue, "sid", Role::Senior, &["editorial"]).await;
    let submitted = queue
        .submit(
            &producer,
            &item("dose-1", "clinical_suggestion", 0.7, "medium"),
        )
        .await;
    assert_eq!(submitted["blind"], true, "{submitted}");
    let id = submitted["id"].as_str().expect("an id").to_owned();

    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&nia, client, None).await);
    assert_eq!(held.len(), 1, "nia holds the item");
    assert_eq!(held[0]["item"]["blind"], true);

    // Without the reviewer's own verdict, and with one off the scale: refused, nothing stored.
    let mut unjudged = mutation(1, &held[0], "approve");
    unjudged
        .as_object_mut()
        .expect("an object")
        .remove("blind_judgement");
    let mut off_scale = mutation(2, &held[0], "approve");
    off_scale["blind_judgement"]["confidence"] = json!(9);
    let refused = queue.push(&nia, client, &[unjudged, off_scale]).await;
    assert_eq!(refused["results"][0]["status"], "rejected", "{refused}");
    assert_eq!(refused["results"][0]["code"], "blind_judgement_required");
    assert_eq!(refused["results"][1]["status"], "rejected", "{refused}");
    assert_eq!(refused["results"][1]["code"], "invalid_blind_judgement");
    let unchanged = queue.get(&format!("/v1/items/{id}"), &admin).await;
    assert_eq!(unchanged.body["status"], "pending", "{unchanged:?}");
    assert_eq!(unchanged.body["decisions"], json!([]));
    assert_eq!(queue.count("SELECT COUNT(*) FROM decisions").await, 0);

    // Nia read it blind as wrong (reject, confidence 4), then saw the AI's proposal and approved it.
    let judgement = json!({
        "verdict": "reject", "confidence": 4, "note": "dose looks high for her weight",
        "recorded_at": "2026-11-25T11:58:00Z",
    });
    let mut switched = mutation(3, &held[0], "approve");
    switched["blind_judgement"] = judgement.clone();
    let applied = queue.push(&nia, client, &[switched]).await;
    assert_eq!(applied["results"][0]["status"], "applied", "{applied}");

    let decided = queue.get(&format!("/v1/items/{id}"), &admin).await;
    assert_eq!(decided.body["outcome"], "approved", "{decided:?}");
    let decisions = decided.body["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0]["by"], "nia");
    assert_eq!(decisions[0]["action"], "approve");
    assert_eq!(decisions[0]["blind_judgement"], judgement);

    // The switch is counted, for the seniors of the team and for admins.
    let expected = json!({
        "reviewer": "nia", "kind": "clinical_suggestion", "model": "test-model",
        "judgements": 1, "escalated": 0,
        "agreement": {"status": "not_enough_data", "successes": 0, "trials": 1, "needed": 30},
        "switch_to_ai": {"status": "not_enough_data", "successes": 1, "trials": 1, "needed": 30},
        "switch_from_ai": {"status": "not_enough_data", "successes": 0, "trials": 0, "needed": 30},
    });
    for (who, token) in [("senior of the team", &sam), ("admin", &admin)] {
        let report = queue.get("/v1/stats/blind", token).await;
        assert_eq!(report.status, 200, "{who}: {report:?}");
        assert_eq!(report.body["rows"], json!([expected]), "{who}");
    }
    let other_team = queue.get("/v1/stats/blind", &sid).await;
    assert_eq!(other_team.status, 200, "{other_team:?}");
    assert_eq!(
        other_team.body["rows"],
        json!([]),
        "a senior of another team"
    );
    for (who, token) in [
        ("reviewer", &rex),
        ("the reviewer herself", &nia),
        ("producer", &producer),
    ] {
        let report = queue.get("/v1/stats/blind", token).await;
        assert_eq!((report.status, report.code()), (403, "forbidden"), "{who}");
    }
}
