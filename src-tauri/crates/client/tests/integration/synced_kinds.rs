//! The core syncs the server's registered kinds (docs/protocol.md, "Kinds") into its store: at the
//! first (full) sync, when a pulled item's kind is unknown, and when the list is older than
//! `plan::KINDS_REFRESH`; serves them offline; and refuses, before the outbox, a reject whose reason
//! the item's kind does not list. Against the real queue service in this process, on a manual clock.

use std::sync::Arc;

use countersign_client::decision::DecisionError;
use countersign_client::model::DecisionInput;
use countersign_client::notify;
use countersign_client::plan::KINDS_REFRESH;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::{Store, StoreError};
use countersign_client::sync::SyncEngine;
use countersign_domain::kind::KindList;
use countersign_domain::{Action, ItemId, Role};
use countersign_queue::{Clock, ManualClock, SystemClock};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(synced_kinds_are_kept_served_and_bind_rejects);

fn spec(reasons: &[&str]) -> Value {
    let reason_codes: Vec<Value> = reasons
        .iter()
        .map(|code| json!({"code": code, "label": format!("Label of {code}")}))
        .collect();
    json!({
        "label": "Transaction",
        "plural": "Transactions",
        "payload_schema": {"type": "object", "required": ["amount"]},
        "output_schema": {"type": "object"},
        "hints": {"headline": [{"pointer": "/payload/amount", "label": "Amount", "format": "money",
            "currency_pointer": "/payload/currency"}]},
        "reason_codes": reason_codes,
    })
}

fn reject(reason: &str) -> DecisionInput {
    DecisionInput {
        reason_code: Some(reason.to_owned()),
        ..DecisionInput::new(Action::Reject)
    }
}

async fn synced_kinds_are_kept_served_and_bind_rejects(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let admin = queue.user("ada", Role::Admin).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let register = |kind: &'static str, body: Value| {
        let (queue, admin) = (&queue, &admin);
        async move {
            let path = format!("/v1/kinds/{kind}");
            let reply = queue
                .request(Method::PUT, &path, Some(admin), Some(&body))
                .await;
            assert!(reply.status == 201 || reply.status == 200, "{reply:?}");
        }
    };
    register("transaction", spec(&["false_positive", "other"])).await;
    let id = |item: &Value| -> ItemId {
        item["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("an item id")
    };
    let txn = id(&queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await);
    let draft = id(&queue
        .submit(&producer, &item("d-1", "content_draft", 0.7, "medium"))
        .await);

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    assert_eq!(
        store.kinds().await.expect("kinds"),
        KindList { kinds: vec![] }
    );
    let remote = QueueClient::new(&queue.url, Token::new(ana)).expect("client");
    let engine = SyncEngine::new(
        store.clone(),
        remote,
        Arc::new(notify::Silent),
        Arc::new({
            let clock = clock.clone();
            move || clock.now()
        }),
    );
    let server_kinds = || async {
        let reply = queue.get("/v1/kinds", &admin).await;
        serde_json::from_value::<KindList>(reply.body).expect("the server's KindList")
    };

    // The first sync is a full one: the kinds come with it, exactly as the server lists them.
    engine.sync_once().await.expect("first sync");
    let synced = store.kinds().await.expect("kinds");
    assert_eq!(synced, server_kinds().await);
    assert_eq!(synced.kinds.len(), 1);
    assert_eq!(synced.kinds[0].spec.reason_codes[0].code, "false_positive");

    // A reject with a reason the kind does not list is refused before the outbox; a listed one is kept.
    let refused = store
        .decide(txn, &reject("suspected_fraud"), clock.now())
        .await;
    match refused {
        Err(StoreError::InvalidDecision(DecisionError::UnknownReason { code, allowed })) => {
            assert_eq!(
                (code.as_str(), allowed.as_str()),
                ("suspected_fraud", "false_positive, other")
            );
        }
        other => panic!("expected an unknown reason, got {other:?}"),
    }
    assert_eq!(
        store.unsent_count().await.expect("outbox"),
        0,
        "nothing queued"
    );
    store
        .decide(txn, &reject("false_positive"), clock.now())
        .await
        .expect("a listed reason");
    // An unregistered kind binds no reasons.
    store
        .decide(draft, &reject("anything_goes"), clock.now())
        .await
        .expect("any reason for an unregistered kind");
    engine.sync_once().await.expect("push");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM decisions WHERE reason_code IN ('false_positive', 'anything_goes')")
            .await,
        2
    );

    // A new kind reaches the client with its first item, without waiting for a refresh.
    register("memo", spec(&["other"])).await;
    queue
        .submit(&producer, &item("m-1", "memo", 0.7, "medium"))
        .await;
    engine.sync_once().await.expect("sync");
    let names: Vec<String> = store
        .kinds()
        .await
        .expect("kinds")
        .kinds
        .into_iter()
        .map(|definition| definition.kind)
        .collect();
    assert_eq!(names, ["memo", "transaction"]);

    // A new revision of a known kind arrives at the next refresh.
    register(
        "transaction",
        spec(&["false_positive", "chargeback", "other"]),
    )
    .await;
    engine.sync_once().await.expect("sync");
    let revision = |list: &KindList| {
        list.kinds
            .iter()
            .find(|definition| definition.kind == "transaction")
            .map(|definition| definition.revision)
    };
    assert_eq!(
        revision(&store.kinds().await.expect("kinds")),
        Some(1),
        "not yet due"
    );
    clock.advance(KINDS_REFRESH);
    engine.sync_once().await.expect("sync");
    assert_eq!(store.kinds().await.expect("kinds"), server_kinds().await);
    assert_eq!(revision(&store.kinds().await.expect("kinds")), Some(2));

    // Offline: another handle on the same directory serves them from disk.
    let reopened = Store::open(dir.path()).await.expect("reopen");
    assert_eq!(reopened.kinds().await.expect("kinds"), server_kinds().await);
}
