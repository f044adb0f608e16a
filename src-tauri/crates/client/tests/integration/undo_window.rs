//! The undo window online (ARCHITECTURE.md, the sync engine): a decision is durable in the outbox at
//! once, but the engine sends it only once the window has passed on the injected clock. Against the
//! real queue service in this process on a manual clock: nothing is sent inside the window, an undo
//! inside it sends nothing, and a restarted engine on the same store sends a decision whose window
//! passed while it was down.

use std::sync::Arc;

use countersign_client::model::DecisionInput;
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::{Action, ItemId, Role};
use countersign_queue::{Clock, ManualClock, SystemClock};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

on_both_backends!(decisions_wait_out_the_undo_window_and_survive_a_restart);

const DECISIONS_ON_SERVER: &str = "SELECT COUNT(*) FROM decisions";

async fn decisions_wait_out_the_undo_window_and_survive_a_restart(backend: Backend) {
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
    let id = |item: &serde_json::Value| -> ItemId {
        item["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("an item id")
    };
    let first = id(&queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await);
    let second = id(&queue
        .submit(&producer, &item("t-2", "transaction", 0.7, "medium"))
        .await);

    let window = chrono::Duration::seconds(5);
    let dir = tempfile::tempdir().expect("temp dir");
    let engine_on = |store: &Store| {
        SyncEngine::new(
            store.clone(),
            QueueClient::new(&queue.url, Token::new(ana.clone())).expect("client"),
            Arc::new(notify::Silent),
            // The client reads the queue's manual clock, so both sides agree on the time.
            Arc::new({
                let clock = clock.clone();
                move || clock.now()
            }),
        )
        .with_undo_window(window)
    };
    let store = Store::open(dir.path()).await.expect("store");
    let engine = engine_on(&store);
    assert_eq!(engine.sync_once().await.expect("first pull").pulled, 2);

    let approve = DecisionInput::new(Action::Approve);
    store
        .decide(first, &approve, clock.now())
        .await
        .expect("decide the first");
    assert_eq!(
        store.unsent_count().await.expect("read"),
        1,
        "durable at once"
    );
    assert_eq!(engine.sync_once().await.expect("sync").pushed, 0);
    assert_eq!(
        queue.count(DECISIONS_ON_SERVER).await,
        0,
        "nothing sent inside the window"
    );

    clock.advance(chrono::Duration::seconds(4));
    store
        .decide(second, &approve, clock.now())
        .await
        .expect("decide the second");
    store
        .undo(second, clock.now())
        .await
        .expect("undo inside the window");
    assert_eq!(engine.sync_once().await.expect("sync").pushed, 0);
    assert_eq!(queue.count(DECISIONS_ON_SERVER).await, 0);

    clock.advance(chrono::Duration::seconds(1));
    let report = engine.sync_once().await.expect("sync");
    assert_eq!(report.pushed, 1, "the first is due; the undone one is gone");
    assert_eq!(report.applied, 1);
    assert_eq!(queue.count(DECISIONS_ON_SERVER).await, 1);

    // Decided, then the app stops inside the window.
    store
        .decide(second, &approve, clock.now())
        .await
        .expect("decide the second again");
    assert_eq!(engine.sync_once().await.expect("sync").pushed, 0);
    drop(engine);
    drop(store);

    clock.advance(chrono::Duration::seconds(6));
    let store = Store::open(dir.path()).await.expect("store reopened");
    assert_eq!(
        store.unsent_count().await.expect("read"),
        1,
        "kept across the restart"
    );
    let report = engine_on(&store)
        .sync_once()
        .await
        .expect("first sync after the restart");
    assert_eq!(report.pushed, 1);
    assert_eq!(report.applied, 1);
    assert_eq!(queue.count(DECISIONS_ON_SERVER).await, 2);
    assert_eq!(store.pending_count().await.expect("read"), 0);
}
