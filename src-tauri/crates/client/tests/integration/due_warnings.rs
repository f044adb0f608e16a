//! "Due soon" from the routing rule's `warn_before` (issue 9): an open item whose `Item.warn_at` has
//! passed raises one warning, without a pull and offline too: the watch loop wakes for it. Against the
//! real queue service in this process on a manual clock the client reads as well.

use std::sync::Arc;

use countersign_client::preferences::NotificationPreferences;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::Role;
use countersign_queue::policy::Policy;
use countersign_queue::{Clock, ManualClock, SystemClock};
use countersign_testkit::fixtures::review_item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

use crate::support::Recording;

on_both_backends!(
    an_item_past_its_warn_at_is_warned_once_offline_too,
    a_muted_kind_is_warned_without_a_popup
);

const POLICY: &str = r#"
lease_seconds = 28800
prefetch = 50
sweep_interval_seconds = 15
active_window_seconds = 900

[[rules]]
name = "review-within-4h"
route = "review"
due_in = "4h"
warn_before = "30m"
"#;

/// A queue on a manual clock (the policy above) holding one review item due in 4 h, and Ana's store
/// and engine (a recording notifier, the same clock) that have not synced yet.
struct Setting {
    _db: TestDb,
    clock: Arc<ManualClock>,
    queue: Queue,
    _dir: tempfile::TempDir,
    store: Store,
    shown: Arc<Recording>,
    engine: SyncEngine,
}

async fn setting(backend: Backend) -> Setting {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: Policy::parse(POLICY, "test policy").expect("policy"),
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    queue.submit(&producer, &review_item("t-1")).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let shown = Arc::new(Recording::default());
    let engine = SyncEngine::new(
        store.clone(),
        QueueClient::new(&queue.url, Token::new(ana)).expect("client"),
        shown.clone(),
        Arc::new({
            let clock = clock.clone();
            move || clock.now()
        }),
    );
    Setting {
        _db: db,
        clock,
        queue,
        _dir: dir,
        store,
        shown,
        engine,
    }
}

async fn an_item_past_its_warn_at_is_warned_once_offline_too(backend: Backend) {
    let Setting {
        _db,
        clock,
        mut queue,
        _dir,
        store,
        shown,
        engine,
    } = setting(backend).await;
    let report = engine.sync_once().await.expect("first pull");
    assert_eq!(report.pulled, 1);
    assert_eq!(
        report.notified, 0,
        "due in 4 h, warned 30 min before: not yet, though the fixed one-hour window would not say so either"
    );

    clock.advance(chrono::Duration::hours(3));
    assert_eq!(engine.sync_once().await.expect("sync").notified, 0);
    assert!(!store.warning_due(clock.now()).await.expect("read"));

    // The server goes away; the warning is the client's own business.
    queue.stop().await;
    let watching = tokio::spawn({
        let engine = engine.clone();
        async move { engine.watch().await }
    });
    // A bound on a hang, not a speed test: the first round fails at once.
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while store.sync_state().await.is_ok_and(|state| state.online) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the watch loop finds the server gone");
    assert!(shown.summaries().is_empty());
    // The loop now waits out its backoff; the warning's time comes meanwhile.
    clock.advance(chrono::Duration::minutes(31));
    // A bound on a hang, not a speed test: the loop looks at the clock every second.
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while shown.summaries().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the watch loop raises the warning without a server");
    watching.abort();
    assert_eq!(shown.summaries(), vec!["Due soon".to_owned()]);

    assert!(
        engine.sync_once().await.is_err(),
        "still offline: the round fails"
    );
    assert!(!store.warning_due(clock.now()).await.expect("read"));
    assert_eq!(shown.summaries().len(), 1, "raised once");
}

/// The engine applies the reviewer's preferences: a warning about a muted kind is raised (once, the
/// item stays in the inbox) but not shown.
async fn a_muted_kind_is_warned_without_a_popup(backend: Backend) {
    let Setting {
        _db,
        clock,
        queue: _queue,
        _dir,
        store,
        shown,
        engine,
    } = setting(backend).await;
    let engine = engine.with_notification_preferences(NotificationPreferences {
        muted_kinds: vec!["transaction".to_owned()],
        ..NotificationPreferences::default()
    });
    assert_eq!(engine.sync_once().await.expect("first pull").pulled, 1);
    clock.advance(chrono::Duration::hours(3) + chrono::Duration::minutes(31));
    let report = engine.sync_once().await.expect("sync");
    assert_eq!(report.notified, 0, "nothing shown");
    assert!(shown.summaries().is_empty());
    assert!(
        !store.warning_due(clock.now()).await.expect("read"),
        "raised all the same: not raised again when the kind is unmuted"
    );
    assert_eq!(
        store.stage_counts().await.expect("read").review,
        1,
        "the item is in the inbox as always"
    );
}
