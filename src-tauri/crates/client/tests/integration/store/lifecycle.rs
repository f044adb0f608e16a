//! What the store keeps across removals, reopening and cancelled calls: items with unsent
//! decisions, notifications raised once, its client id and counter, drafts, sign-offs, and no lock left behind.

use countersign_client::decision::DecisionError;
use countersign_client::signing::{self, DecisionSigner};

use super::*;

#[tokio::test]
async fn removal_keeps_items_with_an_unsent_decision() {
    // Every reason alike, `timed_out` (a deadline's `on_breach = "timeout_reject"`) included.
    for &reason in <RemovalReason as strum::VariantArray>::VARIANTS {
        let (_dir, store, ids) = store_with(2).await;
        store
            .decide(ids[0], &approve(), now())
            .await
            .expect("decide");
        let removed = ids
            .iter()
            .map(|id| Removal {
                item_id: *id,
                reason,
            })
            .collect();
        let applied = store
            .apply_pull(&pull(vec![], removed), false, now(), Duration::hours(1))
            .await
            .expect("pull");
        assert_eq!(
            (applied.removed, applied.kept_with_unsent_decision),
            (1, 1),
            "{reason:?}"
        );
        let kept = store.get(ids[0]).await.expect("get").expect("kept");
        assert_eq!(kept.summary.removed_reason, Some(reason));
        assert!(
            store.get(ids[1]).await.expect("get").is_none(),
            "{reason:?}"
        );
        assert_counts_agree(&store).await;
        // Undoing it now leaves nothing to work on.
        store.undo(ids[0], now()).await.expect("undo");
        assert!(
            store.get(ids[0]).await.expect("get").is_none(),
            "{reason:?}"
        );
        assert_counts_agree(&store).await;
    }
}

#[tokio::test]
async fn notifications_are_raised_once_per_item_and_reason_across_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut escalation = assignment(1, json!("text"));
    escalation.stage = Stage::Escalation;
    let response = pull(vec![escalation], vec![]);
    let store = Store::open(dir.path()).await.expect("open");
    let first = store
        .apply_pull(&response, true, now(), Duration::hours(1))
        .await
        .expect("pull");
    assert_eq!(first.notify.len(), 2, "escalation and due soon");
    drop(store);
    let reopened = Store::open(dir.path()).await.expect("reopen");
    let second = reopened
        .apply_pull(&response, false, now(), Duration::hours(1))
        .await
        .expect("pull");
    assert!(second.notify.is_empty());
}

#[tokio::test]
async fn client_id_and_counter_survive_reopening_and_bind_to_one_server() {
    let (dir, store, ids) = store_with(1).await;
    let client_id = store.sync_state().await.expect("state").client_id;
    store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    store
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim");
    store.bind_server("http://a:1").await.expect("bind");
    drop(store);
    let reopened = Store::open(dir.path()).await.expect("reopen");
    let state = reopened.sync_state().await.expect("state");
    assert_eq!(state.client_id, client_id);
    assert_eq!(state.next_mutation_id, MutationId(2));
    assert!(matches!(
        reopened.bind_server("http://b:1").await,
        Err(StoreError::ServerMismatch { .. })
    ));
}

#[tokio::test]
async fn drafts_autosave_and_go_away_with_the_decision() {
    let (_dir, store, ids) = store_with(1).await;
    let draft = Draft {
        action: Some(Action::Reject),
        note: Some("looks like card testing".into()),
        ..Draft::default()
    };
    store.save_draft(ids[0], &draft, now()).await.expect("save");
    assert_eq!(store.draft(ids[0]).await.expect("draft"), Some(draft));
    assert!(matches!(
        store
            .save_draft(ItemId::new_v7(), &Draft::default(), now())
            .await,
        Err(StoreError::NotHeld(_))
    ));
    store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    assert_eq!(store.draft(ids[0]).await.expect("draft"), None);
}

#[tokio::test]
async fn an_item_that_asks_for_an_attestation_is_not_approved_without_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let mut clinical = assignment(1, json!("Start apixaban 2.5 mg twice daily"));
    clinical.item.payload = json!({"requires_attestation": true});
    let id = clinical.item.id;
    store
        .apply_pull(
            &pull(vec![clinical], vec![]),
            true,
            now(),
            Duration::hours(1),
        )
        .await
        .expect("pull");
    assert!(matches!(
        store.decide(id, &approve(), now()).await,
        Err(StoreError::InvalidDecision(_))
    ));
    let escalate = DecisionInput {
        note: Some("needs a nephrologist".into()),
        ..DecisionInput::new(Action::Escalate)
    };
    store
        .decide(id, &escalate, now())
        .await
        .expect("escalating needs no sign-off");
    store.undo(id, now()).await.expect("undo");
    let signed = DecisionInput {
        attestation: Some(json!({"statement": "I have reviewed the renal function."})),
        ..approve()
    };
    // A sign-off is also signed electronically (docs/protocol.md, "Signatures").
    assert!(matches!(
        store.decide(id, &signed, now()).await,
        Err(StoreError::InvalidDecision(DecisionError::MissingSignature))
    ));
    let signer = DecisionSigner {
        key: signing::new_key(),
        signer_name: "Ana Ruiz".into(),
    };
    let decision = store
        .decide_signed(id, &signed, Some(&signer), now())
        .await
        .expect("signed approval");
    assert_eq!(decision.attestation, signed.attestation);
    assert_eq!(
        decision.signature.map(|signature| signature.signer_name),
        Some("Ana Ruiz".to_owned())
    );
}

/// Issue 5 (found by tests/tests/integration/model_sync): a store call cancelled while its `BEGIN IMMEDIATE`
/// was under way (an aborted sync task, a timeout) used to hand its connection back to the pool still
/// inside the transaction. That idle connection kept the write lock, and every later write, here or
/// in another process on the same directory, failed after the busy timeout with "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_write_never_leaves_the_store_locked() {
    let (dir, store, ids) = store_with(3).await;
    let limit = std::time::Duration::from_secs(5);
    for n in 0..100u64 {
        let busy = store.clone();
        let task = tokio::spawn(async move {
            loop {
                let _ = busy.claim_push_batch(BatchLimits::default()).await;
                let _ = busy.record_connectivity(n % 2 == 0, None, None).await;
            }
        });
        tokio::time::sleep(std::time::Duration::from_micros(100 * (n % 30))).await;
        task.abort();
        let _ = task.await;
        tokio::time::timeout(limit, store.record_connectivity(true, None, None))
            .await
            .unwrap_or_else(|_| panic!("round {n}: a write waited for a lock nobody releases"))
            .expect("the store still takes writes");
        let other = tokio::time::timeout(limit, Store::open(dir.path()))
            .await
            .unwrap_or_else(|_| panic!("round {n}: another process could not open the store"))
            .expect("another process opens the store");
        tokio::time::timeout(limit, other.record_connectivity(false, None, None))
            .await
            .unwrap_or_else(|_| panic!("round {n}: another process could not write"))
            .expect("another process writes");
    }
    let decided = store
        .decide(ids[0], &DecisionInput::new(Action::Approve), now())
        .await;
    assert!(
        decided.is_ok(),
        "a decision after the cancellations: {decided:?}"
    );
}

#[tokio::test]
async fn a_stage_refuses_what_the_queue_would_refuse_and_records_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut escalated = assignment(1, json!("text"));
    escalated.stage = Stage::Escalation;
    let mut countersign = assignment(2, json!("text"));
    countersign.stage = Stage::SecondApproval;
    let (escalated_id, countersign_id) = (escalated.item.id, countersign.item.id);
    let store = Store::open(dir.path()).await.expect("open");
    store
        .apply_pull(
            &pull(vec![escalated, countersign], vec![]),
            true,
            now(),
            Duration::hours(1),
        )
        .await
        .expect("pull");
    let edits = DecisionInput {
        correction: Some(json!("a version of my own")),
        ..DecisionInput::new(Action::ApproveWithEdits)
    };
    for (id, input) in [
        (escalated_id, DecisionInput::new(Action::Escalate)),
        (countersign_id, DecisionInput::new(Action::Escalate)),
        (countersign_id, edits),
    ] {
        assert!(
            matches!(
                store.decide(id, &input, now()).await,
                Err(StoreError::InvalidDecision(DecisionError::NotInStage(_)))
            ),
            "{:?} at {id}",
            input.action
        );
    }
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    store
        .decide(countersign_id, &DecisionInput::new(Action::Approve), now())
        .await
        .expect("a second approver approves the first version");
}
