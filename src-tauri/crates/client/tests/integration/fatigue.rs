//! Reviewer fatigue in the desktop core (docs/protocol.md, "Reviewer fatigue"): the time an item was
//! put on screen travels with its decision as `opened_at` and is kept by the real queue, and the
//! core judges the reviewer's own session from its outbox.

use std::sync::Arc;

use countersign_client::model::DecisionInput;
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::fatigue::FatigueVerdict;
use countersign_domain::{Action, ItemId, Role};
use countersign_queue::{Clock, ManualClock, SystemClock};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

on_both_backends!(an_opening_travels_with_its_decision);

async fn an_opening_travels_with_its_decision(backend: Backend) {
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
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let mut ids: Vec<ItemId> = Vec::new();
    for n in 0..2 {
        let submitted = queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.7, "medium"),
            )
            .await;
        ids.push(
            submitted["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("an item id"),
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
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
    engine.sync_once().await.expect("first pull");

    // The first is on screen for 90 s, then approved; the second is approved without being shown.
    let opened = clock.now();
    store.record_opening(ids[0], opened).await.expect("opening");
    clock.advance(chrono::Duration::seconds(90));
    for id in &ids {
        store
            .decide(*id, &DecisionInput::new(Action::Approve), clock.now())
            .await
            .expect("decided");
    }
    let signals = store.own_fatigue(clock.now()).await.expect("signals");
    assert_eq!(signals.verdict, FatigueVerdict::Fresh);
    assert_eq!(signals.session.decisions, 2);
    assert_eq!(signals.streak.current, 2);
    // One of the two is timed (90 s, far above the floor of its short text).
    assert_eq!(signals.under_reading_time.trials(), 1);

    engine.sync_once().await.expect("push");
    let kept = |id: ItemId| format!("SELECT opened_at FROM decisions WHERE item_id = '{id}'");
    assert_eq!(queue.count(&kept(ids[0])).await, opened.timestamp_micros());
    assert_eq!(
        queue
            .count(&format!(
                "SELECT COUNT(*) FROM decisions WHERE item_id = '{}' AND opened_at IS NULL",
                ids[1]
            ))
            .await,
        1
    );
}
