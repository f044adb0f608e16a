//! Ending a shift (issue 9, "Release and hand-off") against the real queue service in this process,
//! through the test kit's proxy so the network can go down: a decision still in its undo window goes up
//! at once, every undecided item goes back with the note, the next reviewer's pull carries it as
//! `handoff`; offline, the releases wait in the outbox and land exactly once when the server is back.

use std::sync::Arc;

use countersign_client::model::DecisionInput;
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::shift::{self, ShiftError};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::{Action, ItemId, Role};
use countersign_queue::{Clock, ManualClock, SystemClock};
use countersign_testkit::fixtures::{assignments, item};
use countersign_testkit::proxy::Proxy;
use countersign_testkit::{Backend, Queue, QueueOptions, QueueProcess, TestDb, on_both_backends};

use crate::support::Reviewer;
use serde_json::Value;

on_both_backends!(
    ending_a_shift_uploads_decisions_and_hands_the_rest_on_with_the_note,
    an_offline_shift_end_waits_in_the_outbox_and_lands_once
);
on_both_backends!(worker_threads = 2; the_cli_ends_a_shift_and_says_what_it_did);

const NOTE: &str = "Card 4417 looks like a known customer; call back after 9.";
const RELEASES_ON_SERVER: &str = "SELECT COUNT(*) FROM audit_log WHERE action = 'release'";
const DECISIONS_ON_SERVER: &str = "SELECT COUNT(*) FROM decisions";

/// A queue with three items held by ana's client (through `proxy`), one of them approved inside the
/// undo window, and bo, another reviewer who pulled (so the release cool-down keeps the items from
/// going back to ana: docs/protocol.md, "Release cool-down").
struct Shift {
    queue: Queue,
    bo: String,
    proxy: Proxy,
    store: Store,
    engine: SyncEngine,
    approved: ItemId,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

async fn shift(db: &TestDb) -> Shift {
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        db,
        QueueOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let bo = queue.user("bo", Role::Reviewer).await;
    for n in 1..=3 {
        queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.7, "medium"),
            )
            .await;
    }
    let proxy = Proxy::start(Some(queue.addr())).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let engine = SyncEngine::new(
        store.clone(),
        QueueClient::new(&proxy.url(), Token::new(ana)).expect("client"),
        Arc::new(notify::Silent),
        Arc::new({
            let clock = clock.clone();
            move || clock.now()
        }),
    )
    .with_undo_window(chrono::Duration::seconds(5));
    assert_eq!(engine.sync_once().await.expect("first pull").pulled, 3);
    assert!(
        bo_pulls(&queue, &bo).await.is_empty(),
        "ana holds all three"
    );
    let held = shift::items_to_release(&store).await.expect("held items");
    assert_eq!(held.len(), 3);
    let approved = held[0];
    store
        .decide(approved, &DecisionInput::new(Action::Approve), clock.now())
        .await
        .expect("approve one");
    Shift {
        queue,
        bo,
        proxy,
        store,
        engine,
        approved,
        clock,
        _dir: dir,
    }
}

/// The items bo's pull grants, each with its `handoff` (or null).
async fn bo_pulls(queue: &Queue, bo: &str) -> Vec<(String, Value)> {
    let pull = queue.pull(bo, uuid::Uuid::now_v7(), None).await;
    assignments(&pull)
        .iter()
        .map(|a| {
            (
                a["item"]["id"].as_str().unwrap_or_default().to_owned(),
                a["item"]["handoff"].clone(),
            )
        })
        .collect()
}

fn assert_handed_on(granted: &[(String, Value)], approved: ItemId) {
    assert_eq!(granted.len(), 2, "the two undecided items: {granted:?}");
    for (id, handoff) in granted {
        assert_ne!(
            id,
            &approved.to_string(),
            "the approved item is not offered"
        );
        assert_eq!(handoff["by"], "ana", "{id}: {handoff}");
        assert_eq!(handoff["note"], NOTE, "{id}: {handoff}");
        assert!(handoff["at"].is_string(), "{id}: {handoff}");
    }
}

async fn ending_a_shift_uploads_decisions_and_hands_the_rest_on_with_the_note(backend: Backend) {
    let db = TestDb::new(backend);
    let shift = shift(&db).await;
    let (store, engine) = (&shift.store, &shift.engine);

    for note in ["", "   ", &"x".repeat(shift::NOTE_MAX_CHARS + 1)] {
        let refused = shift::end_shift(store, engine, note, shift.clock.now()).await;
        assert!(
            matches!(
                refused,
                Err(ShiftError::EmptyNote | ShiftError::NoteTooLong)
            ),
            "{refused:?}"
        );
    }
    assert_eq!(
        store.unsent_count().await.expect("read"),
        1,
        "a refused note queues nothing"
    );

    // The clock has not moved: the approval is still inside its undo window, and goes up anyway.
    let end = shift::end_shift(store, engine, NOTE, shift.clock.now())
        .await
        .expect("end the shift");
    assert_eq!(end.released, 2);
    assert_eq!(end.uploaded, 3, "the approval and both releases");
    assert_eq!(end.pending, 0);
    assert_eq!(end.upload_error, None);
    assert_eq!(shift.queue.count(DECISIONS_ON_SERVER).await, 1);
    assert_eq!(shift.queue.count(RELEASES_ON_SERVER).await, 2);
    assert!(
        shift::items_to_release(store)
            .await
            .expect("read")
            .is_empty()
    );

    assert_handed_on(&bo_pulls(&shift.queue, &shift.bo).await, shift.approved);
}

async fn an_offline_shift_end_waits_in_the_outbox_and_lands_once(backend: Backend) {
    let db = TestDb::new(backend);
    let shift = shift(&db).await;
    let (store, engine) = (&shift.store, &shift.engine);

    shift.proxy.set_offline(true);
    let end = shift::end_shift(store, engine, NOTE, shift.clock.now())
        .await
        .expect("end the shift offline");
    assert_eq!(end.released, 2);
    assert_eq!(end.uploaded, 0);
    assert_eq!(end.pending, 3, "the approval and both releases wait");
    assert!(end.upload_error.is_some());
    assert_eq!(shift.queue.count(RELEASES_ON_SERVER).await, 0);
    // Ending it again finds nothing more to give back.
    let again = shift::end_shift(store, engine, NOTE, shift.clock.now())
        .await
        .expect("end the shift offline again");
    assert_eq!((again.released, again.pending), (0, 3));

    // Back online, the ordinary sync sends them once their undo window has passed, like decisions.
    shift.proxy.set_offline(false);
    shift.clock.advance(chrono::Duration::seconds(5));
    let report = engine.sync_once().await.expect("sync");
    assert_eq!((report.pushed, report.applied), (3, 3));
    assert_eq!(engine.sync_once().await.expect("sync again").pushed, 0);
    assert!(
        shift::items_to_release(store)
            .await
            .expect("read")
            .is_empty(),
        "ana's pull does not get them back while bo is active"
    );
    assert_eq!(store.pending_count().await.expect("read"), 0);
    assert_eq!(shift.queue.count(DECISIONS_ON_SERVER).await, 1);
    assert_eq!(shift.queue.count(RELEASES_ON_SERVER).await, 2);

    assert_handed_on(&bo_pulls(&shift.queue, &shift.bo).await, shift.approved);
}

async fn the_cli_ends_a_shift_and_says_what_it_did(backend: Backend) {
    let queue = QueueProcess::start_on(backend, None).await;
    let ana = Reviewer::new(&queue, "ana", "reviewer").await;
    let bo = queue.add_user("bo", "reviewer").await;
    let first = queue.submit("r-1").await;
    queue.submit("r-2").await;
    ana.ok(&["sync"]).await;
    // A first pull by a new client of bo's: he is active, and what he is granted.
    let bo_pull = || {
        queue.http(
            "POST",
            "/v1/sync/pull",
            &bo,
            Some(serde_json::json!({"client_id": uuid::Uuid::now_v7()})),
        )
    };
    assert!(assignments(&bo_pull().await).is_empty(), "ana holds both");
    ana.ok(&["decide", &first, "approve"]).await;

    for args in [&["shift", "end"][..], &["shift", "end", "--note", "  "]] {
        let refused = ana.run(args).await;
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        if args.len() > 2 {
            assert!(stderr.contains("--note TEXT"), "{stderr}");
        }
    }

    let said = ana.ok(&["shift", "end", "--note", NOTE]).await;
    assert_eq!(
        said.trim(),
        "shift ended: 1 items released with your note, 2 uploaded, 0 still pending"
    );
    assert_eq!(queue.item(&first).await["status"], "decided");
    let pull = bo_pull().await;
    let granted = assignments(&pull);
    assert_eq!(granted.len(), 1, "{pull}");
    assert_eq!(granted[0]["item"]["handoff"]["note"], NOTE);
    assert_eq!(granted[0]["item"]["handoff"]["by"], "ana");
}
