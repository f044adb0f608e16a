//! Issue 10, electronic signatures, on SQLite and PostgreSQL (docs/protocol.md, "Signatures"): the
//! queue refuses an approval that needs a signature and has none or a bad one, whatever sent it;
//! accepts one made in the desktop core's store before it was pushed; refuses weak PINs and locks
//! signing after 5 wrong ones until an admin unlocks it; and shows the manifest on the item, the
//! webhook, the feedback export and the audit log.

use std::sync::Arc;

use chrono::SubsecRound;
use countersign_client::decision::DecisionError;
use countersign_client::model::DecisionInput;
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::signing::{self, DecisionSigner};
use countersign_client::store::{Store, StoreError};
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::signature::{self, encode_public_key, key_id};
use countersign_domain::{Action, Item, Mutation, Role, SignatureMeaning};
use countersign_testkit::fixtures::{assignments, item, mutation};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use ed25519_dalek::SigningKey;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::queue_delivery::{delivered, start_receiver, wait_for};
use crate::teams::{member, policy, start_with_teams};

on_both_backends!(
    approvals_need_a_valid_signature_whatever_sends_them,
    wrong_pins_lock_signing_until_an_admin_unlocks_it,
    a_signature_made_in_the_store_before_the_push_is_accepted,
);

/// Clinical suggestions go to everyone, but only team clinical may sign their approvals.
const POLICY: &str = r#"
[[rules]]
name = "clinical-signed"
kinds = ["clinical_suggestion"]
route = "review"
signature = "approval"
signers_team = "clinical"
"#;

const ANA_PIN: &str = "ana-pin-2468";
const BEN_PIN: &str = "ben-pin-1357";

async fn started(backend: Backend) -> (TestDb, Queue) {
    let db = TestDb::new(backend);
    let options = QueueOptions {
        policy: policy(POLICY),
        ..QueueOptions::default()
    };
    let queue = start_with_teams(&db, options).await;
    (db, queue)
}

async fn set_pin(queue: &Queue, token: &str, pin: &str) -> countersign_testkit::Reply {
    queue
        .request(
            Method::PUT,
            "/v1/me/signing-pin",
            Some(token),
            Some(&json!({ "pin": pin })),
        )
        .await
}

async fn register(
    queue: &Queue,
    token: &str,
    key: &SigningKey,
    pin: &str,
) -> countersign_testkit::Reply {
    let body = json!({"public_key": encode_public_key(&key.verifying_key()), "pin": pin});
    queue.post("/v1/me/signing-keys", token, &body).await
}

/// `mutation` signed with `key` as `name`, over `item` as the signer saw it.
fn signed(mutation: &Value, item: &Value, key: &SigningKey, name: &str) -> Value {
    let typed: Mutation = serde_json::from_value(mutation.clone()).expect("a mutation");
    let item: Item = serde_json::from_value(item.clone()).expect("an item");
    let envelope = signature::sign(
        key,
        &typed.signed_decision(),
        &item,
        SignatureMeaning::Approval,
        name,
        SystemClock.now().trunc_subsecs(0),
    );
    let mut signed = mutation.clone();
    signed["signature"] = json!(envelope);
    signed
}

/// Sets a signing PIN for the user of `token` and registers a key made from `seed` for them.
pub(crate) async fn enrolled(queue: &Queue, token: &str, seed: u8) -> SigningKey {
    let pin = format!("signing-pin-{seed}");
    assert_eq!(set_pin(queue, token, &pin).await.status, 204);
    let key = SigningKey::from_bytes(&[seed; 32]);
    assert_eq!(register(queue, token, &key, &pin).await.status, 201);
    key
}

/// `mutation` of `assignment`, signed with `key` as `name` when it approves an item whose approvals
/// must be signed.
pub(crate) fn signed_when_required(
    mutation: Value,
    assignment: &Value,
    key: &SigningKey,
    name: &str,
) -> Value {
    let approves = matches!(
        mutation["action"].as_str(),
        Some("approve" | "approve_with_edits")
    );
    if approves && !assignment["item"]["signature_required"].is_null() {
        signed(&mutation, &assignment["item"], key, name)
    } else {
        mutation
    }
}

fn result(push: &Value, index: usize) -> (&str, &str) {
    let result = &push["results"][index];
    (
        result["status"].as_str().unwrap_or(""),
        result["code"].as_str().unwrap_or(""),
    )
}

fn clinical(external_id: &str, title: &str) -> Value {
    let mut submission = item(external_id, "clinical_suggestion", 0.7, "medium");
    submission["title"] = json!(title);
    submission
}

async fn approvals_need_a_valid_signature_whatever_sends_them(backend: Backend) {
    let (_db, queue) = started(backend).await;
    let producer = queue.user("bot", Role::Producer).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["clinical"]).await;
    let ben = member(&queue, "ben", Role::Reviewer, &[]).await;
    let named = queue
        .request(
            Method::PATCH,
            "/v1/users/ana",
            Some(&admin),
            Some(&json!({"full_name": "Ana Ruiz"})),
        )
        .await;
    assert_eq!(named.status, 200, "{named:?}");
    for bad in ["  ", "Ana\nRuiz"] {
        let refused = queue
            .request(
                Method::PATCH,
                "/v1/users/ana",
                Some(&admin),
                Some(&json!({ "full_name": bad })),
            )
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_name"),
            "{bad:?}"
        );
    }
    assert_eq!(
        queue.get("/v1/me", &ana).await.body["full_name"],
        "Ana Ruiz"
    );
    let listed = queue.get("/v1/users", &admin).await;
    let full_names: Vec<(&str, Option<&str>)> = listed.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|user| {
            (
                user["name"].as_str().unwrap_or(""),
                user["full_name"].as_str(),
            )
        })
        .collect();
    assert!(
        full_names.contains(&("ana", Some("Ana Ruiz"))),
        "{full_names:?}"
    );
    assert!(full_names.contains(&("ben", None)), "{full_names:?}");

    // Weak PINs are refused and store nothing; the PIN is kept only as an argon2id hash.
    for weak in ["12345", ana.as_str(), &ana[3..12], &format!("x{ana}x")] {
        let refused = set_pin(&queue, &ana, weak).await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "weak_pin"),
            "{weak}"
        );
    }
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM users WHERE signing_pin_hash IS NOT NULL")
            .await,
        0
    );
    assert_eq!(set_pin(&queue, &ana, ANA_PIN).await.status, 204);
    assert_eq!(set_pin(&queue, &ben, BEN_PIN).await.status, 204);
    let producer_pin = set_pin(&queue, &producer, "producer-pin").await;
    assert_eq!(producer_pin.code(), "forbidden");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM users WHERE signing_pin_hash LIKE '$argon2id$%'")
            .await,
        2
    );

    // Keys: a wrong PIN, a malformed key and another user's key are refused.
    let ana_key = SigningKey::from_bytes(&[7; 32]);
    let ben_key = SigningKey::from_bytes(&[9; 32]);
    let wrong = register(&queue, &ana, &ana_key, "not-my-pin").await;
    assert_eq!((wrong.status, wrong.code()), (403, "wrong_pin"));
    let malformed = queue
        .post(
            "/v1/me/signing-keys",
            &ana,
            &json!({"public_key": "abc", "pin": ANA_PIN}),
        )
        .await;
    assert_eq!(malformed.code(), "invalid_signing_key");
    let registered = register(&queue, &ana, &ana_key, ANA_PIN).await;
    assert_eq!(registered.status, 201, "{registered:?}");
    assert_eq!(
        registered.body["key_id"],
        key_id(&ana_key.verifying_key()).as_str()
    );
    let stolen = register(&queue, &ben, &ana_key, BEN_PIN).await;
    assert_eq!(stolen.code(), "invalid_signing_key");
    assert_eq!(register(&queue, &ben, &ben_key, BEN_PIN).await.status, 201);

    // Four clinical items for Ana (two with the same content), then one for Ben.
    let (url, receiver) = start_receiver().await;
    let mut first = clinical("c-1", "Dose check one");
    first["callback_url"] = json!(url);
    let first = queue.submit(&producer, &first).await;
    assert_eq!(
        first["signature_required"],
        json!({"meaning": "approval", "signers_team": "clinical"})
    );
    for (id, title) in [("c-2", "Same content"), ("c-3", "Same content")] {
        queue.submit(&producer, &clinical(id, title)).await;
    }
    let ana_client = Uuid::now_v7();
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 3);
    let by_external = |external: &str| {
        held.iter()
            .find(|assignment| assignment["item"]["external_id"] == external)
            .cloned()
            .expect("held")
    };
    let (c1, c2, c3) = (by_external("c-1"), by_external("c-2"), by_external("c-3"));
    queue
        .submit(&producer, &clinical("c-4", "Dose check four"))
        .await;
    let ben_client = Uuid::now_v7();
    let bens = assignments(&queue.pull(&ben, ben_client, None).await);
    assert_eq!(bens.len(), 1);

    // A raw push without a signature: rejected, whatever client sent it.
    let unsigned = queue
        .push(&ana, ana_client, &[mutation(1, &c1, "approve")])
        .await;
    assert_eq!(result(&unsigned, 0), ("rejected", "signature_required"));
    // Signed over other content, with another user's key, under another name: rejected.
    let mut other_content = c1["item"].clone();
    other_content["payload"]["amount"] = json!(1);
    let bad = [
        signed(
            &mutation(2, &c1, "approve"),
            &other_content,
            &ana_key,
            "Ana Ruiz",
        ),
        signed(
            &mutation(3, &c1, "approve"),
            &c1["item"],
            &ben_key,
            "Ana Ruiz",
        ),
        signed(&mutation(4, &c1, "approve"), &c1["item"], &ana_key, "ana"),
    ];
    let refused = queue.push(&ana, ana_client, &bad).await;
    for index in 0..bad.len() {
        assert_eq!(
            result(&refused, index),
            ("rejected", "signature_invalid"),
            "{refused}"
        );
    }
    // A valid signature for c-2 moved onto c-3 (the same content): another item and decision.
    let for_c2 = signed(
        &mutation(5, &c2, "approve"),
        &c2["item"],
        &ana_key,
        "Ana Ruiz",
    );
    let mut replayed = mutation(5, &c3, "approve");
    replayed["signature"] = for_c2["signature"].clone();
    let replay = queue.push(&ana, ana_client, &[replayed]).await;
    assert_eq!(result(&replay, 0), ("rejected", "signature_invalid"));
    let c3_id = c3["item"]["id"].as_str().expect("id");
    assert_eq!(
        queue
            .count(&format!(
                "SELECT COUNT(*) FROM decisions WHERE item_id = '{c3_id}'"
            ))
            .await,
        0,
        "nothing stored on rejection"
    );
    // Valid signatures: applied.
    let mut valid = for_c2;
    valid["id"] = json!(6);
    let good = [
        valid,
        signed(
            &mutation(7, &c1, "approve"),
            &c1["item"],
            &ana_key,
            "Ana Ruiz",
        ),
    ];
    let applied = queue.push(&ana, ana_client, &good).await;
    assert_eq!(result(&applied, 0).0, "applied", "{applied}");
    assert_eq!(result(&applied, 1).0, "applied", "{applied}");
    // Ben signs validly with his own key, but is not in team clinical.
    let outsider = signed(
        &mutation(1, &bens[0], "approve"),
        &bens[0]["item"],
        &ben_key,
        "ben",
    );
    let outside = queue.push(&ben, ben_client, &[outsider]).await;
    assert_eq!(result(&outside, 0), ("rejected", "signature_invalid"));
    let message = outside["results"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("clinical"), "{message}");

    // The manifest: on the item, in the webhook body, the export and the audit entry.
    let c1_id = first["id"].as_str().expect("id");
    let read = queue.get(&format!("/v1/items/{c1_id}"), &admin).await;
    let manifest = read.body["decisions"][0]["signature"].clone();
    assert_eq!(manifest["signer_name"], "Ana Ruiz");
    assert_eq!(manifest["meaning"], "approval");
    assert_eq!(
        manifest["key_id"],
        key_id(&ana_key.verifying_key()).as_str()
    );
    wait_for("the webhook", || !delivered(&receiver).is_empty()).await;
    let hook: Value = serde_json::from_str(&delivered(&receiver)[0].body).expect("JSON");
    assert_eq!(hook["item"]["decisions"][0]["signature"], manifest);
    let export = queue
        .http()
        .get(format!("{}/v1/export/feedback?format=sft", queue.url))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("body");
    let line: Value = export
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("JSON line"))
        .find(|line| line["metadata"]["item_id"] == c1_id)
        .expect("c-1 exported");
    assert_eq!(line["metadata"]["signatures"][0]["signature"], manifest);
    assert_eq!(line["metadata"]["signatures"][0]["by"], "ana");
    let audit = queue
        .get(&format!("/v1/audit?item_id={c1_id}"), &admin)
        .await;
    let entries = audit.body["entries"].as_array().expect("entries");
    let decide = entries
        .iter()
        .find(|entry| entry["action"] == "decide")
        .expect("decide entry");
    assert_eq!(decide["data"]["signature"]["signer_name"], "Ana Ruiz");
    assert!(decide["data"]["signature"]["signature"].is_string());
    let rejected: Vec<&str> = entries
        .iter()
        .filter(|entry| entry["action"] == "mutation_rejected")
        .filter_map(|entry| entry["data"]["code"].as_str())
        .collect();
    assert_eq!(
        rejected,
        [
            "signature_required",
            "signature_invalid",
            "signature_invalid",
            "signature_invalid"
        ]
    );
}

async fn wrong_pins_lock_signing_until_an_admin_unlocks_it(backend: Backend) {
    let (_db, queue) = started(backend).await;
    let producer = queue.user("bot", Role::Producer).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["clinical"]).await;
    let key = SigningKey::from_bytes(&[3; 32]);
    let unset = register(&queue, &ana, &key, ANA_PIN).await;
    assert_eq!((unset.status, unset.code()), (409, "no_signing_pin"));
    assert_eq!(set_pin(&queue, &ana, ANA_PIN).await.status, 204);
    assert_eq!(register(&queue, &ana, &key, ANA_PIN).await.status, 201);
    queue.submit(&producer, &clinical("c-1", "Dose")).await;
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&ana, client, None).await);

    let other = SigningKey::from_bytes(&[4; 32]);
    // Wrong PINs in a row: a right one in between starts the count again.
    let first = register(&queue, &ana, &other, "wrong-pin").await;
    assert!(
        first.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("4 more")
    );
    assert_eq!(register(&queue, &ana, &key, ANA_PIN).await.status, 201);
    for left in (1..=4).rev() {
        let wrong = register(&queue, &ana, &other, "wrong-pin").await;
        assert_eq!((wrong.status, wrong.code()), (403, "wrong_pin"));
        let message = wrong.body["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(&format!("{left} more")), "{message}");
    }
    let fifth = register(&queue, &ana, &other, "wrong-pin").await;
    assert_eq!((fifth.status, fifth.code()), (403, "signing_locked"));
    let right = register(&queue, &ana, &other, ANA_PIN).await;
    assert_eq!(
        right.code(),
        "signing_locked",
        "locked even for the right PIN"
    );
    let change = queue
        .request(
            Method::PUT,
            "/v1/me/signing-pin",
            Some(&ana),
            Some(&json!({"pin": "new-pin-9999", "current_pin": ANA_PIN})),
        )
        .await;
    assert_eq!(change.code(), "signing_locked");
    // A locked signer's signatures are refused too, even with a registered key.
    let locked = queue
        .push(
            &ana,
            client,
            &[signed(
                &mutation(1, &held[0], "approve"),
                &held[0]["item"],
                &key,
                "ana",
            )],
        )
        .await;
    assert_eq!(result(&locked, 0), ("rejected", "signature_invalid"));

    let by_reviewer = queue
        .post("/v1/users/ana/signing-unlock", &ana, &json!(null))
        .await;
    assert_eq!(by_reviewer.code(), "forbidden");
    let unlocked = queue
        .request(
            Method::POST,
            "/v1/users/ana/signing-unlock",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(unlocked.status, 204, "{unlocked:?}");
    assert_eq!(register(&queue, &ana, &other, ANA_PIN).await.status, 201);
    let signed_now = queue
        .push(
            &ana,
            client,
            &[signed(
                &mutation(2, &held[0], "approve"),
                &held[0]["item"],
                &key,
                "ana",
            )],
        )
        .await;
    assert_eq!(result(&signed_now, 0).0, "applied", "{signed_now}");
    let audit = queue.get("/v1/audit?limit=10000", &admin).await;
    let actions: Vec<&str> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .filter(|action| action.starts_with("signing_"))
        .collect();
    assert_eq!(
        actions,
        [
            "signing_pin_set",
            "signing_key_registered",
            "signing_pin_wrong",
            "signing_key_registered",
            "signing_pin_wrong",
            "signing_pin_wrong",
            "signing_pin_wrong",
            "signing_pin_wrong",
            "signing_locked",
            "signing_unlocked",
            "signing_key_registered"
        ]
    );
}

async fn a_signature_made_in_the_store_before_the_push_is_accepted(backend: Backend) {
    let (_db, queue) = started(backend).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = member(&queue, "ana", Role::Reviewer, &["clinical"]).await;
    assert_eq!(set_pin(&queue, &ana, ANA_PIN).await.status, 204);
    let first = queue.submit(&producer, &clinical("c-1", "Dose")).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let remote = QueueClient::new(&queue.url, Token::new(&ana)).expect("client");
    let engine = SyncEngine::new(
        store.clone(),
        remote.clone(),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    engine.sync_once().await.expect("first pull");
    let id = first["id"].as_str().expect("id").parse().expect("item id");
    let approve = DecisionInput::new(Action::Approve);

    // The desktop core refuses an unsigned approval before the outbox, as the CLI does without --sign.
    let unsigned = store.decide(id, &approve, SystemClock.now()).await;
    assert!(
        matches!(
            unsigned,
            Err(StoreError::InvalidDecision(DecisionError::MissingSignature))
        ),
        "{unsigned:?}"
    );
    // The key is registered once online; the signature is made in the store, with nothing sent.
    let key = signing::new_key();
    remote
        .register_signing_key(&encode_public_key(&key.verifying_key()), ANA_PIN)
        .await
        .expect("registered");
    let signer = DecisionSigner {
        key,
        signer_name: "ana".into(),
    };
    let decision = store
        .decide_signed(id, &approve, Some(&signer), SystemClock.now())
        .await
        .expect("recorded offline");
    assert_eq!(
        decision.signature.as_ref().map(|s| s.signer_name.as_str()),
        Some("ana")
    );
    let report = engine.sync_once().await.expect("push");
    assert_eq!((report.applied, report.rejected), (1, 0), "{report:?}");
    let read = queue.get(&format!("/v1/items/{id}"), &producer).await;
    assert_eq!(read.body["status"], "decided");
    assert_eq!(read.body["decisions"][0]["signature"]["signer_name"], "ana");
}
