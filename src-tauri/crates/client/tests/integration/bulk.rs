//! Bulk decisions (`Store::decide_many`, `Store::bulk_eligibility`): ineligible items are skipped with
//! their reason and left unchanged, a refused call decides nothing, one item of a bulk undoes alone;
//! and against the real queue service behind the fault proxy, 50 items decided in bulk arrive exactly
//! once each, also when the answer to their upload is lost or the connection is cut midway and the
//! upload is sent again.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_client::bulk::{BulkDecision, BulkError, BulkSkip, BulkSkipReason};
use countersign_client::model::{AssignmentStatus, DecisionInput, ListQuery};
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::{Store, StoreError};
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Action, Assignment, ItemId, LeaseId, MutationId, PullResponse, Stage};
use countersign_testkit::{Backend, QueueProcess, fixtures, on_both_backends};

use crate::support::audit_entries;
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn assignment() -> Assignment {
    fixtures::assignment(ItemId::new_v7(), LeaseId::new_v7(), now())
}

async fn store_holding(assignments: &[Assignment]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let pull = PullResponse {
        cursor: "c".into(),
        last_mutation_id: MutationId(0),
        server_time: now(),
        assignments: assignments.to_vec(),
        removed: vec![],
        more: false,
    };
    store
        .apply_pull(&pull, true, now(), Duration::hours(1))
        .await
        .expect("pull");
    (dir, store)
}

fn approve() -> BulkDecision {
    BulkDecision {
        action: Action::Approve,
        reason_code: None,
        note: Some("same merchant, known false positive".into()),
    }
}

async fn status(store: &Store, id: ItemId) -> AssignmentStatus {
    store
        .get(id)
        .await
        .expect("get")
        .expect("held")
        .summary
        .status
}

#[tokio::test]
async fn ineligible_items_are_skipped_with_their_reason_and_left_alone() {
    let plain: Vec<Assignment> = (0..3).map(|_| assignment()).collect();
    let mut sign_off = assignment();
    sign_off.item.payload = json!({"requires_attestation": true});
    let mut second = assignment();
    second.stage = Stage::SecondApproval;
    let decided = assignment();
    let mut all = plain.clone();
    all.extend([sign_off.clone(), second.clone(), decided.clone()]);
    let (_dir, store) = store_holding(&all).await;
    store
        .decide(
            decided.item.id,
            &DecisionInput::new(Action::Escalate),
            now(),
        )
        .await
        .expect("decide");
    let unknown = ItemId::new_v7();

    let mut ids: Vec<ItemId> = all.iter().map(|a| a.item.id).collect();
    ids.push(unknown);
    let expected_skips = vec![
        BulkSkip {
            item_id: sign_off.item.id,
            reason: BulkSkipReason::SignOff,
        },
        BulkSkip {
            item_id: second.item.id,
            reason: BulkSkipReason::SecondApproval,
        },
        BulkSkip {
            item_id: decided.item.id,
            reason: BulkSkipReason::AlreadyDecided,
        },
        BulkSkip {
            item_id: unknown,
            reason: BulkSkipReason::NotHeld,
        },
    ];
    assert_eq!(
        store
            .bulk_eligibility(&ids, Action::Approve)
            .await
            .expect("eligibility"),
        expected_skips
    );
    // A sign-off is one only for an approval: rejecting it in bulk is fine.
    let for_reject = store
        .bulk_eligibility(&ids, Action::Reject)
        .await
        .expect("eligibility");
    assert!(!for_reject.iter().any(|s| s.item_id == sign_off.item.id));
    assert_eq!(store.pending_count().await.expect("pending"), 1);

    let outcome = store
        .decide_many(&ids, &approve(), now())
        .await
        .expect("decide many");
    assert_eq!(
        outcome.decided,
        plain.iter().map(|a| a.item.id).collect::<Vec<_>>()
    );
    assert_eq!(outcome.skipped, expected_skips);
    for skipped in [sign_off.item.id, second.item.id] {
        assert_eq!(status(&store, skipped).await, AssignmentStatus::Open);
    }
    let escalated = store
        .get(decided.item.id)
        .await
        .expect("get")
        .expect("held");
    assert_eq!(
        escalated.decision.map(|d| d.action),
        Some(Action::Escalate),
        "the earlier decision stands"
    );
    // Each its own decision in the outbox: three new ones beside the escalation.
    assert_eq!(store.pending_count().await.expect("pending"), 4);
    for a in &plain {
        let detail = store.get(a.item.id).await.expect("get").expect("held");
        let decision = detail.decision.expect("a decision each");
        assert_eq!(decision.action, Action::Approve);
        assert_eq!(
            decision.note.as_deref(),
            Some("same merchant, known false positive")
        );
    }

    // Undo of one leaves the others.
    store.undo(plain[1].item.id, now()).await.expect("undo one");
    assert_eq!(
        status(&store, plain[1].item.id).await,
        AssignmentStatus::Open
    );
    for a in [&plain[0], &plain[2]] {
        assert_eq!(status(&store, a.item.id).await, AssignmentStatus::Decided);
    }
    assert_eq!(store.pending_count().await.expect("pending"), 3);
}

#[tokio::test]
async fn a_refused_bulk_call_decides_nothing() {
    let held: Vec<Assignment> = (0..4).map(|_| assignment()).collect();
    let (_dir, store) = store_holding(&held).await;
    let ids: Vec<ItemId> = held.iter().map(|a| a.item.id).collect();
    let no_reason = BulkDecision {
        action: Action::Reject,
        reason_code: None,
        note: None,
    };
    match store.decide_many(&ids, &no_reason, now()).await {
        Err(StoreError::Bulk(BulkError::Invalid { item_id, .. })) => assert_eq!(item_id, ids[0]),
        other => panic!("a reject without a reason: {other:?}"),
    }
    let edits = BulkDecision {
        action: Action::ApproveWithEdits,
        ..approve()
    };
    assert!(matches!(
        store.decide_many(&ids, &edits, now()).await,
        Err(StoreError::Bulk(BulkError::NotABulkAction(
            Action::ApproveWithEdits
        )))
    ));
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    for id in &ids {
        assert_eq!(status(&store, *id).await, AssignmentStatus::Open);
    }
}

on_both_backends!(
    fifty_bulk_decisions_arrive_exactly_once_across_a_lost_answer,
    fifty_bulk_decisions_arrive_exactly_once_across_a_cut_upload,
);

const ITEMS: usize = 50;

/// A reviewer's core holding `ITEMS` items of the real queue service (behind the fault proxy), all
/// decided in one bulk call and not uploaded yet.
struct DecidedInBulk {
    queue: QueueProcess,
    _dir: tempfile::TempDir,
    store: Store,
    engine: SyncEngine,
    ids: Vec<ItemId>,
}

async fn decided_in_bulk(backend: Backend) -> DecidedInBulk {
    let queue = QueueProcess::start_on(backend, Some("prefetch = 60\n")).await;
    for n in 0..ITEMS {
        queue.submit(&format!("bulk-{n}")).await;
    }
    let token = queue.add_user("bulk-reviewer", "reviewer").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let engine = SyncEngine::new(
        store.clone(),
        QueueClient::new(&queue.url(), Token::new(token)).expect("client"),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    engine.sync_once().await.expect("pull");
    let held = store.list_all(&ListQuery::default()).await.expect("list");
    assert_eq!(held.len(), ITEMS);
    let ids: Vec<ItemId> = held.iter().map(|row| row.item_id).collect();
    let outcome = store
        .decide_many(&ids, &approve(), SystemClock.now())
        .await
        .expect("bulk decide");
    assert_eq!(outcome.decided.len(), ITEMS);
    assert!(outcome.skipped.is_empty());
    DecidedInBulk {
        queue,
        _dir: dir,
        store,
        engine,
        ids,
    }
}

/// Nothing left to upload, and each item decided on the server once, with one `decide` audit entry.
async fn each_arrived_once(bulk: &DecidedInBulk) {
    let DecidedInBulk {
        queue, store, ids, ..
    } = bulk;
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    for id in ids {
        let item = queue.item(&id.to_string()).await;
        let decisions = item["decisions"].as_array().expect("decisions");
        assert_eq!(decisions.len(), 1, "exactly one decision: {item}");
        assert_eq!(decisions[0]["action"], "approve", "{item}");
        let decides = audit_entries(queue, &id.to_string(), "decide").await;
        assert_eq!(decides.len(), 1, "one decide in the audit log: {decides:?}");
        assert_eq!(status(store, *id).await, AssignmentStatus::Uploaded);
    }
}

async fn fifty_bulk_decisions_arrive_exactly_once_across_a_lost_answer(backend: Backend) {
    let bulk = decided_in_bulk(backend).await;
    // The server applies the upload, but its answer never arrives: the client must send the same
    // mutations again, and the server must apply none of them twice.
    bulk.queue.proxy.lose_next_push_response(true);
    assert!(
        bulk.engine.upload_now().await.is_err(),
        "the lost answer fails the upload"
    );
    bulk.engine.upload_now().await.expect("upload again");
    each_arrived_once(&bulk).await;
}

/// The connection is cut while the upload is on its way (before or after the server applied it:
/// either way the outcome must be the same), then the network comes back.
async fn fifty_bulk_decisions_arrive_exactly_once_across_a_cut_upload(backend: Backend) {
    let bulk = decided_in_bulk(backend).await;
    bulk.queue
        .proxy
        .set_delay(std::time::Duration::from_millis(300));
    let uploading = tokio::spawn({
        let engine = bulk.engine.clone();
        async move { engine.upload_now().await }
    });
    // Cut as soon as the upload's connection is open (each new one waits 300 ms in the proxy).
    while !uploading.is_finished() && bulk.queue.proxy.faults_injected() == 0 {
        bulk.queue.proxy.cut_all();
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let first = uploading.await.expect("the upload task");
    bulk.queue.proxy.clear_faults();
    assert!(
        bulk.queue.proxy.faults_injected() > 0,
        "the cut hit a connection (first upload: {:?})",
        first.as_ref().map(|report| report.applied)
    );
    bulk.engine.upload_now().await.expect("upload again");
    each_arrived_once(&bulk).await;
}

#[tokio::test]
async fn an_escalated_item_is_skipped_when_escalating_in_bulk() {
    let plain = assignment();
    let mut escalated = assignment();
    escalated.stage = Stage::Escalation;
    let (_dir, store) = store_holding(&[plain.clone(), escalated.clone()]).await;
    let ids = [plain.item.id, escalated.item.id];
    let skipped = vec![BulkSkip {
        item_id: escalated.item.id,
        reason: BulkSkipReason::NotAtStage,
    }];
    assert_eq!(
        store
            .bulk_eligibility(&ids, Action::Escalate)
            .await
            .expect("eligibility"),
        skipped
    );
    let escalate = BulkDecision {
        action: Action::Escalate,
        ..approve()
    };
    let outcome = store
        .decide_many(&ids, &escalate, now())
        .await
        .expect("decide many");
    assert_eq!(outcome.decided, vec![plain.item.id]);
    assert_eq!(outcome.skipped, skipped);
    assert_eq!(
        status(&store, escalated.item.id).await,
        AssignmentStatus::Open
    );
}
