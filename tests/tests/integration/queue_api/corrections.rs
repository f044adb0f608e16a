//! Structured corrections and four eyes that see (docs/protocol.md, "Corrections"): a patch against
//! `ai.output` is checked at push, stored with its rationale and tags and returned in
//! `Item.decisions[]`; a bad one is rejected and nothing is stored; a second approver approves the
//! first approver's version as it stands; the feedback export carries it all.

use countersign_domain::Role;
use countersign_testkit::fixtures::{assert_all_applied, assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::{Value, json};
use uuid::Uuid;

on_both_backends!(
    a_patch_is_stored_and_returned_and_a_bad_one_changes_nothing,
    a_second_approver_approves_the_first_approvers_version,
    each_items_decisions_come_with_it_in_order,
    the_export_carries_patches_rationales_tags_and_negative_examples,
);

/// `(status, code)` of each result of a push.
fn verdicts(pushed: &Value) -> Vec<(String, String)> {
    pushed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
            (text(&r["status"]), text(&r["code"]))
        })
        .collect()
}

/// An approve_with_edits that sends only `patch` (no whole correction).
fn patched(id: u64, assignment: &Value, patch: Value) -> Value {
    let mut edit = mutation(id, assignment, "approve_with_edits");
    edit.as_object_mut()
        .expect("an object")
        .remove("correction");
    edit["patch"] = patch;
    edit
}

async fn item_by_id(queue: &Queue, admin: &str, id: &Value) -> Value {
    let path = format!("/v1/items/{}", id.as_str().expect("an id"));
    let reply = queue.get(&path, admin).await;
    assert_eq!(reply.status, 200);
    reply.body
}

async fn a_patch_is_stored_and_returned_and_a_bad_one_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    let admin = queue.user("root", Role::Admin).await;
    let first = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let second = queue
        .submit(&producer, &item("t-2", "transaction", 0.7, "medium"))
        .await;
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);
    let of = |item: &Value| {
        held.iter()
            .find(|a| a["item"]["id"] == item["id"])
            .expect("held")
            .clone()
    };
    let (one, two) = (of(&first), of(&second));

    // The AI's output is {"verdict": "block", "score": 0.8}.
    let good = json!([{"op": "replace", "path": "/verdict", "value": "allow"}]);
    let does_not_apply = patched(
        1,
        &one,
        json!([{"op": "replace", "path": "/merchant/name", "value": "x"}]),
    );
    let changes_type = patched(
        2,
        &one,
        json!([{"op": "replace", "path": "", "value": "allow"}]),
    );
    let mut disagrees = patched(3, &one, good.clone());
    disagrees["correction"] = json!({"verdict": "step_up", "score": 0.8});
    let mut applies = patched(4, &one, good.clone());
    applies["rationale"] = json!("the customer confirmed the purchase by phone");
    applies["tags"] = json!(["confirmed_by_customer"]);
    // An older client sends the whole correction; the queue computes its patch.
    let mut whole = mutation(5, &two, "approve_with_edits");
    whole["correction"] = json!({"verdict": "block", "score": 0.95});
    let pushed = queue
        .push(
            &reviewer,
            client,
            &[does_not_apply, changes_type, disagrees, applies, whole],
        )
        .await;
    let rejected = ("rejected".to_owned(), "invalid_patch".to_owned());
    let applied = ("applied".to_owned(), String::new());
    assert_eq!(
        verdicts(&pushed),
        [
            rejected.clone(),
            rejected.clone(),
            rejected,
            applied.clone(),
            applied
        ]
    );
    let message = pushed["results"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("does not apply"), "{message}");
    assert_eq!(
        queue.count("SELECT COUNT(*) FROM decisions").await,
        2,
        "the rejected patches stored nothing"
    );

    let decided = item_by_id(&queue, &admin, &first["id"]).await;
    assert_eq!(decided["outcome"], "approved_with_edits");
    let decision = &decided["decisions"][0];
    assert_eq!(decision["patch"], good);
    assert_eq!(
        decision["correction"],
        json!({"verdict": "allow", "score": 0.8})
    );
    assert_eq!(
        decision["rationale"],
        "the customer confirmed the purchase by phone"
    );
    assert_eq!(decision["tags"], json!(["confirmed_by_customer"]));
    // The audit entry of the decision holds both forms too; the refused patches are there as sent.
    let path = format!("/v1/audit?item_id={}", first["id"].as_str().expect("id"));
    let audit = queue.get(&path, &admin).await;
    let entries = audit.body["entries"].as_array().expect("entries");
    let decide = entries
        .iter()
        .find(|entry| entry["action"] == "decide")
        .expect("a decide entry");
    assert_eq!(decide["data"]["patch"], good);
    assert_eq!(decide["data"]["correction"], decision["correction"]);
    assert_eq!(decide["data"]["tags"], json!(["confirmed_by_customer"]));
    let refused = entries
        .iter()
        .filter(|entry| entry["action"] == "mutation_rejected")
        .count();
    assert_eq!(refused, 3);

    let decided = item_by_id(&queue, &admin, &second["id"]).await;
    let decision = &decided["decisions"][0];
    assert_eq!(
        decision["patch"],
        json!([{"op": "replace", "path": "/score", "value": 0.95}])
    );
    assert_eq!(decision["tags"], json!([]));
    assert!(decision["rationale"].is_null());
}

/// A queue with a clinical producer, two seniors (ana, bo) and an admin, and their tokens in that
/// order: critical clinical items need two approvals.
async fn four_eyes(backend: Backend) -> (TestDb, Queue, [String; 4]) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let tokens = [
        queue.user("clinbot", Role::Producer).await,
        queue.user("ana", Role::Senior).await,
        queue.user("bo", Role::Senior).await,
        queue.user("root", Role::Admin).await,
    ];
    (db, queue, tokens)
}

/// Decisions are read for many items at once (a pull, an item, the export): each item gets its
/// own, in the order they were made.
async fn each_items_decisions_come_with_it_in_order(backend: Backend) {
    let (_db, queue, [producer, ana, bo, admin]) = four_eyes(backend).await;
    for n in 1..=3 {
        let external_id = format!("clin-{n}");
        let submitted = queue
            .submit(
                &producer,
                &item(&external_id, "clinical_suggestion", 0.9, "critical"),
            )
            .await;
        assert_eq!(submitted["approvals_required"], 2);
    }
    let note = |held: &Value| format!("first look at {}", held["item"]["external_id"]);

    let ana_client = Uuid::now_v7();
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 3);
    let firsts: Vec<Value> = held
        .iter()
        .zip(1..)
        .map(|(assignment, id)| {
            let mut approve = mutation(id, assignment, "approve");
            approve["note"] = json!(note(assignment));
            approve
        })
        .collect();
    assert_all_applied(&queue.push(&ana, ana_client, &firsts).await, 3);

    // One pull reads the three items' decisions together.
    let bo_client = Uuid::now_v7();
    let held = assignments(&queue.pull(&bo, bo_client, None).await);
    assert_eq!(held.len(), 3);
    for assignment in &held {
        let decisions = assignment["item"]["decisions"]
            .as_array()
            .expect("decisions");
        assert_eq!(decisions.len(), 1, "{assignment}");
        assert_eq!(decisions[0]["by"], "ana");
        assert_eq!(decisions[0]["note"], note(assignment));
    }
    let seconds: Vec<Value> = held
        .iter()
        .zip(1..)
        .map(|(assignment, id)| mutation(id, assignment, "approve"))
        .collect();
    assert_all_applied(&queue.push(&bo, bo_client, &seconds).await, 3);

    for assignment in &held {
        let decided = item_by_id(&queue, &admin, &assignment["item"]["id"]).await;
        assert_eq!(decided["outcome"], "approved");
        let by: Vec<&Value> = decided["decisions"]
            .as_array()
            .expect("decisions")
            .iter()
            .map(|decision| &decision["by"])
            .collect();
        assert_eq!(by, ["ana", "bo"]);
        assert_eq!(decided["decisions"][0]["note"], note(assignment));
    }
    // The export reads a page of items and their decisions the same way.
    assert_eq!(queue.feedback(&admin, "sft").await.len(), 3);
}

async fn a_second_approver_approves_the_first_approvers_version(backend: Backend) {
    let (_db, queue, [producer, ana, bo, admin]) = four_eyes(backend).await;
    let critical = queue
        .submit(
            &producer,
            &item("clin-1", "clinical_suggestion", 0.9, "critical"),
        )
        .await;
    assert_eq!(critical["approvals_required"], 2);

    let ana_client = Uuid::now_v7();
    let first = assignments(&queue.pull(&ana, ana_client, None).await).remove(0);
    let patch = json!([{"op": "replace", "path": "/score", "value": 0.4}]);
    let mut edit = patched(1, &first, patch.clone());
    edit["note"] = json!("score lowered: the lab result is from last year");
    edit["rationale"] = json!("stale evidence");
    let pushed = queue.push(&ana, ana_client, &[edit]).await;
    assert_eq!(verdicts(&pushed), [("applied".to_owned(), String::new())]);
    let first_version = json!({"verdict": "block", "score": 0.4});

    // The second approver holds the first approver's version, its patch and note.
    let bo_client = Uuid::now_v7();
    let second = assignments(&queue.pull(&bo, bo_client, None).await).remove(0);
    assert_eq!(second["stage"], "second_approval");
    let shown = &second["item"]["decisions"][0];
    assert_eq!(shown["by"], "ana");
    assert_eq!(shown["correction"], first_version);
    assert_eq!(shown["patch"], patch);
    assert_eq!(
        shown["note"],
        "score lowered: the lab result is from last year"
    );

    // They may not swap in a version of their own: they approve or reject ana's as it stands.
    let swap = patched(
        1,
        &second,
        json!([{"op": "replace", "path": "/score", "value": 0.1}]),
    );
    let pushed = queue.push(&bo, bo_client, &[swap]).await;
    assert_eq!(
        verdicts(&pushed),
        [("rejected".to_owned(), "invalid_mutation".to_owned())]
    );
    let pushed = queue
        .push(&bo, bo_client, &[mutation(2, &second, "approve")])
        .await;
    assert_eq!(verdicts(&pushed), [("applied".to_owned(), String::new())]);

    let decided = item_by_id(&queue, &admin, &critical["id"]).await;
    assert_eq!(decided["outcome"], "approved_with_edits");
    let decisions = decided["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[1]["by"], "bo");
    assert!(decisions[1]["correction"].is_null() && decisions[1]["patch"].is_null());
    // The outcome's output is the first approver's version.
    let sft = queue.feedback(&admin, "sft").await;
    assert_eq!(sft.len(), 1);
    assert_eq!(sft[0]["messages"][1]["content"], first_version);
    assert_eq!(sft[0]["patch"], patch);

    // A second approver who rejects rejects that version: it is the negative example.
    let other = queue
        .submit(
            &producer,
            &item("clin-2", "clinical_suggestion", 0.9, "critical"),
        )
        .await;
    let first = assignments(&queue.pull(&ana, ana_client, None).await).remove(0);
    let pushed = queue
        .push(&ana, ana_client, &[patched(2, &first, patch.clone())])
        .await;
    assert_eq!(verdicts(&pushed), [("applied".to_owned(), String::new())]);
    let second = assignments(&queue.pull(&bo, bo_client, None).await).remove(0);
    assert_eq!(second["item"]["id"], other["id"]);
    let pushed = queue
        .push(&bo, bo_client, &[mutation(3, &second, "reject")])
        .await;
    assert_eq!(verdicts(&pushed), [("applied".to_owned(), String::new())]);
    let negative = queue.feedback(&admin, "negative").await;
    assert_eq!(negative.len(), 1);
    assert_eq!(negative[0]["rejected"], first_version);
    assert_eq!(negative[0]["metadata"]["reviewers"], json!(["ana", "bo"]));
}

async fn the_export_carries_patches_rationales_tags_and_negative_examples(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("fraudbot", Role::Producer).await;
    let reviewer = queue.user("rita", Role::Reviewer).await;
    let admin = queue.user("root", Role::Admin).await;
    for n in 0..3 {
        queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.7, "medium"),
            )
            .await;
    }
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&reviewer, client, None).await);
    assert_eq!(held.len(), 3);
    let patch = json!([{"op": "replace", "path": "/verdict", "value": "allow"}]);
    let mut edit = patched(1, &held[0], patch.clone());
    edit["rationale"] = json!("known merchant");
    edit["tags"] = json!(["merchant", "false_alarm"]);
    let mut reject = mutation(2, &held[1], "reject");
    reject["note"] = json!("the score ignores the customer's travel notice");
    reject["rationale"] = json!("travel notice on file");
    reject["tags"] = json!(["travel"]);
    let approve = mutation(3, &held[2], "approve");
    let pushed = queue
        .push(&reviewer, client, &[edit, reject, approve])
        .await;
    assert!(
        verdicts(&pushed)
            .iter()
            .all(|(status, _)| status == "applied"),
        "{pushed}"
    );

    let corrected = json!({"verdict": "allow", "score": 0.8});
    let sft = queue.feedback(&admin, "sft").await;
    assert_eq!(sft.len(), 2, "the approval and the correction");
    let edited = sft
        .iter()
        .find(|line| line["metadata"]["outcome"] == "approved_with_edits")
        .expect("the corrected item");
    assert_eq!(edited["messages"][1]["content"], corrected);
    assert_eq!(edited["patch"], patch);
    assert_eq!(edited["rationale"], "known merchant");
    assert_eq!(edited["tags"], json!(["merchant", "false_alarm"]));
    let plain = sft
        .iter()
        .find(|line| line["metadata"]["outcome"] == "approved")
        .expect("the approved item");
    assert!(
        plain.get("patch").is_none(),
        "an approval has no patch: {plain}"
    );

    let preference = queue.feedback(&admin, "preference").await;
    assert_eq!(preference.len(), 1);
    assert_eq!(preference[0]["chosen"], corrected);
    assert_eq!(preference[0]["patch"], patch);
    assert_eq!(preference[0]["tags"], json!(["merchant", "false_alarm"]));

    let negative = queue.feedback(&admin, "negative").await;
    assert_eq!(negative.len(), 1, "{negative:?}");
    let line = &negative[0];
    assert_eq!(line["metadata"]["item_id"], held[1]["item"]["id"]);
    assert_eq!(line["rejected"], held[1]["item"]["ai"]["output"]);
    assert_eq!(line["reason_code"], "suspected_fraud");
    assert_eq!(
        line["note"],
        "the score ignores the customer's travel notice"
    );
    assert_eq!(line["rationale"], "travel notice on file");
    assert_eq!(line["tags"], json!(["travel"]));
    assert!(line["prompt"].is_string());
}
