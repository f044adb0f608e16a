//! The core reports the items its reviewer opened in its pulls (docs/protocol.md, "Pull", the hoarding
//! rule): against the real queue service in this process, on a manual clock, an item opened through
//! the store keeps its lease renewed past `max_unopened_renewals` while an unopened one stops.

use std::sync::Arc;

use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::{ItemId, Role};
use countersign_queue::{Clock, ManualClock, Policy, SystemClock};
use countersign_testkit::fixtures::item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

on_both_backends!(opened_leases_keep_renewing_and_unopened_ones_stop);

const LEASE_SECONDS: i64 = 3600;

async fn opened_leases_keep_renewing_and_unopened_ones_stop(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let policy = Policy::parse(
        &format!("lease_seconds = {LEASE_SECONDS}\nmax_unopened_renewals = 1"),
        "test policy",
    )
    .expect("valid policy");
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy,
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let unopened = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let opened = queue
        .submit(&producer, &item("t-2", "transaction", 0.7, "medium"))
        .await;
    let id = |item: &serde_json::Value| -> ItemId {
        item["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("an item id")
    };
    let (unopened, opened) = (id(&unopened), id(&opened));

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let remote = QueueClient::new(&queue.url, Token::new(ana)).expect("client");
    let engine = SyncEngine::new(
        store.clone(),
        remote,
        Arc::new(notify::Silent),
        // The client reads the queue's manual clock, so both sides agree on the time.
        Arc::new({
            let clock = clock.clone();
            move || clock.now()
        }),
    );
    let report = engine.sync_once().await.expect("first pull");
    assert_eq!(report.pulled, 2);

    let shown = store.open_assignment(opened).await.expect("open");
    assert_eq!(shown.map(|detail| detail.summary.item_id), Some(opened));
    assert_eq!(store.opened_unreported().await.expect("read"), vec![opened]);

    let expiry = |item: ItemId| format!("SELECT lease_expires_at FROM items WHERE id = '{item}'");
    for round in 1..=3 {
        clock.advance(chrono::Duration::minutes(10));
        engine.sync_once().await.expect("pull");
        assert!(
            store.opened_unreported().await.expect("read").is_empty(),
            "round {round}: the opening was reported and forgotten"
        );
        let renewed_to =
            (clock.now() + chrono::Duration::seconds(LEASE_SECONDS)).timestamp_micros();
        assert_eq!(
            queue.count(&expiry(opened)).await,
            renewed_to,
            "round {round}: an opened lease is renewed at every pull"
        );
        let unopened_expiry = queue.count(&expiry(unopened)).await;
        if round == 1 {
            assert_eq!(unopened_expiry, renewed_to, "one unopened renewal allowed");
        } else {
            assert!(
                unopened_expiry < renewed_to,
                "round {round}: no more renewals of an unopened lease"
            );
        }
    }
}
