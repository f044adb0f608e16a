//! Deciding, the outbox and undo: one row per decision, refused when invalid, undone only
//! while unsent (also against a concurrent send), and each server result recorded.

use super::*;

#[tokio::test]
async fn a_decision_is_stored_with_its_outbox_row_and_cannot_be_doubled() {
    let (_dir, store, ids) = store_with(3).await;
    let decision = store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    assert_eq!(
        decision.mutation_id, None,
        "ids are given when sent, not when decided"
    );
    let detail = store.get(ids[0]).await.expect("get").expect("held");
    assert_eq!(detail.summary.status, AssignmentStatus::Decided);
    assert_eq!(store.pending_count().await.expect("count"), 1);
    assert!(matches!(
        store.decide(ids[0], &approve(), now()).await,
        Err(StoreError::AlreadyDecided(..))
    ));
}

#[tokio::test]
async fn invalid_decisions_are_refused_before_anything_is_stored() {
    let (_dir, store, ids) = store_with(1).await;
    let cases = [
        DecisionInput::new(Action::Reject),
        DecisionInput::new(Action::ApproveWithEdits),
        DecisionInput {
            correction: Some(json!("text, but the AI output is an object")),
            ..DecisionInput::new(Action::ApproveWithEdits)
        },
        DecisionInput {
            correction: Some(json!({"verdict": "ok"})),
            ..DecisionInput::new(Action::Approve)
        },
    ];
    for input in cases {
        assert!(
            matches!(
                store.decide(ids[0], &input, now()).await,
                Err(StoreError::InvalidDecision(_))
            ),
            "{input:?}"
        );
    }
    assert_eq!(store.pending_count().await.expect("count"), 0);
    let edited = DecisionInput {
        correction: Some(json!({"verdict": "legitimate"})),
        ..DecisionInput::new(Action::ApproveWithEdits)
    };
    store.decide(ids[0], &edited, now()).await.expect("decide");
}

/// The same correction rule as the queue's (docs/protocol.md, "Corrections"): a patch that does not
/// apply is refused and nothing is queued; one that does is sent with the corrected output, its
/// rationale and tags; a whole correction is sent with the patch that makes it.
#[tokio::test]
async fn a_correction_is_queued_with_its_patch_rationale_and_tags() {
    let (_dir, store, ids) = store_with(2).await;
    let patched = |patch: serde_json::Value| DecisionInput {
        patch: Some(serde_json::from_value(patch).expect("a patch")),
        rationale: Some("the card was reported found".into()),
        tags: vec!["card_found".into()],
        ..DecisionInput::new(Action::ApproveWithEdits)
    };
    let refused = store
        .decide(
            ids[0],
            &patched(json!([{"op": "replace", "path": "/score", "value": 1}])),
            now(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::InvalidDecision(DecisionError::Correction(
                CorrectionError::DoesNotApply(_)
            )))
        ),
        "{refused:?}"
    );
    assert_eq!(store.pending_count().await.expect("count"), 0);

    let patch = json!([{"op": "replace", "path": "/verdict", "value": "legitimate"}]);
    store
        .decide(ids[0], &patched(patch.clone()), now())
        .await
        .expect("a patch that applies");
    let whole = DecisionInput {
        correction: Some(json!({"verdict": "review"})),
        ..DecisionInput::new(Action::ApproveWithEdits)
    };
    store
        .decide(ids[1], &whole, now())
        .await
        .expect("a whole correction");
    let batch = store
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim")
        .expect("a batch");
    let sent: Vec<_> = batch
        .mutations
        .iter()
        .map(|m| {
            (
                json!(m.correction),
                json!(m.patch),
                m.rationale.clone(),
                m.tags.clone(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            (
                json!({"verdict": "legitimate"}),
                patch,
                Some("the card was reported found".to_owned()),
                vec!["card_found".to_owned()]
            ),
            (
                json!({"verdict": "review"}),
                json!([{"op": "replace", "path": "/verdict", "value": "review"}]),
                None,
                vec![]
            ),
        ]
    );
}

#[tokio::test]
async fn undo_before_sending_restores_the_assignment_and_leaves_no_id_gap() {
    let (_dir, store, ids) = store_with(3).await;
    store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    let first = store
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim")
        .expect("batch");
    assert_eq!(first.mutations[0].id, MutationId(1));
    assert!(matches!(
        store.undo(ids[0], now()).await,
        Err(StoreError::AlreadySent(_))
    ));

    store
        .decide(ids[1], &approve(), now())
        .await
        .expect("decide");
    store
        .decide(ids[2], &approve(), now())
        .await
        .expect("decide");
    store.undo(ids[1], now()).await.expect("undo");
    let detail = store.get(ids[1]).await.expect("get").expect("held");
    assert_eq!(detail.summary.status, AssignmentStatus::Open);
    assert!(matches!(
        store.undo(ids[1], now()).await,
        Err(StoreError::NothingToUndo(_))
    ));

    let second = store
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim")
        .expect("batch");
    let sent: Vec<u64> = second.mutations.iter().map(|m| m.id.0).collect();
    assert_eq!(
        sent,
        vec![1, 2],
        "mutation 1 resent as is, item 2 numbered 2"
    );
    assert_eq!(second.mutations[1].item_id, ids[2]);
    let history = store.history(ids[1]).await.expect("history");
    let events: Vec<&str> = history.iter().map(|h| h.event.as_str()).collect();
    assert_eq!(events, vec!["decided", "undone"]);
    assert_counts_agree(&store).await;
}

/// Undo in one process racing a sync's claim in another: each decision is either undone and never sent,
/// or sent and not undone; ids stay contiguous.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_racing_a_concurrent_send_never_removes_a_sent_decision() {
    let (dir, store, ids) = store_with(40).await;
    let other_process = Store::open(dir.path()).await.expect("second handle");
    let mut sent_ids = Vec::new();
    let mut undone = 0;
    for id in &ids {
        store.decide(*id, &approve(), now()).await.expect("decide");
        let undo = tokio::spawn({
            let store = store.clone();
            let id = *id;
            async move { store.undo(id, now()).await }
        });
        let claim = other_process
            .claim_push_batch(BatchLimits::default())
            .await
            .expect("claim");
        let undo = undo.await.expect("join");
        let sent_this = claim
            .as_ref()
            .is_some_and(|b| b.mutations.iter().any(|m| m.item_id == *id));
        match undo {
            Ok(()) => {
                assert!(!sent_this, "an undone decision was sent");
                undone += 1;
            }
            Err(StoreError::AlreadySent(_)) => assert!(sent_this, "refused undo, yet not sent"),
            Err(other) => panic!("unexpected: {other}"),
        }
        if let Some(batch) = claim {
            sent_ids.extend(batch.newly_numbered.iter().map(|(_, m)| m.0));
            // Acknowledge, as a successful push would, so the next round starts clean.
            let outcome = PushOutcome {
                acks: batch
                    .mutations
                    .iter()
                    .map(|m| Ack {
                        mutation_id: m.id,
                        status: MutationStatus::Applied,
                        code: None,
                        message: None,
                    })
                    .collect(),
                unanswered: vec![],
                last_acked: batch
                    .next_mutation_id
                    .0
                    .checked_sub(1)
                    .map_or(MutationId(0), MutationId),
            };
            other_process
                .apply_push_outcome(&batch.mutations, &outcome, now())
                .await
                .expect("ack");
        }
    }
    let expected: Vec<u64> = (1..=sent_ids.len() as u64).collect();
    assert_eq!(sent_ids, expected, "ids contiguous from 1");
    assert_eq!(sent_ids.len() + undone, ids.len());
}

fn ack(
    id: MutationId,
    status: MutationStatus,
    code: Option<ResultCode>,
    message: Option<&str>,
) -> Ack {
    Ack {
        mutation_id: id,
        status,
        code,
        message: message.map(str::to_owned),
    }
}

#[tokio::test]
async fn results_are_recorded_per_code() {
    let (_dir, store, ids) = store_with(3).await;
    for id in &ids {
        store.decide(*id, &approve(), now()).await.expect("decide");
    }
    let batch = store
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim")
        .expect("batch");
    let m = &batch.mutations;
    let outcome = PushOutcome {
        acks: vec![
            ack(m[0].id, MutationStatus::Applied, None, None),
            ack(
                m[1].id,
                MutationStatus::Conflict,
                Some(ResultCode::Reassigned),
                Some("Another reviewer holds it now."),
            ),
            ack(
                m[2].id,
                MutationStatus::Rejected,
                Some(ResultCode::InvalidMutation),
                Some("The note is too long."),
            ),
        ],
        unanswered: vec![],
        last_acked: MutationId(3),
    };
    let applied = store
        .apply_push_outcome(m, &outcome, now())
        .await
        .expect("apply");
    assert_eq!(
        (applied.applied, applied.conflicts, applied.rejected),
        (1, 1, 1)
    );
    // A replay of the same answers changes nothing.
    let again = store
        .apply_push_outcome(m, &outcome, now())
        .await
        .expect("replay");
    assert_eq!((again.applied, again.conflicts, again.rejected), (0, 0, 0));

    let status = |n: usize| {
        let store = store.clone();
        let id = ids[n];
        async move { store.get(id).await.expect("get").expect("held").summary }
    };
    assert_eq!(status(0).await.status, AssignmentStatus::Uploaded);
    assert_eq!(status(1).await.status, AssignmentStatus::Conflict);
    let rejected = status(2).await;
    assert_eq!(rejected.status, AssignmentStatus::Rejected);
    assert_eq!(
        rejected.status_message.as_deref(),
        Some("The note is too long.")
    );

    let conflicts = store.conflicts(false).await.expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, ResultCode::Reassigned);
    assert_eq!(
        conflicts[0].local_version["decision_id"],
        json!(m[1].decision_id)
    );
    assert_eq!(conflicts[0].server_version["item"]["id"], json!(ids[1]));
    assert_eq!(store.pending_count().await.expect("count"), 0);
    assert_eq!(
        store
            .sync_state()
            .await
            .expect("state")
            .last_acked_mutation_id,
        MutationId(3)
    );

    // A rejected decision can be made again, correctly this time.
    store
        .decide(ids[2], &approve(), now())
        .await
        .expect("decide again");
    assert_counts_agree(&store).await;
    store
        .resolve_conflict(conflicts[0].id, now())
        .await
        .expect("resolve");
    assert_eq!(store.unresolved_conflict_count().await.expect("count"), 0);
    assert_counts_agree(&store).await;
}

#[tokio::test]
async fn a_timed_out_decision_is_a_conflict_with_its_code() {
    let (_dir, store, ids) = store_with(1).await;
    store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    let batch = store
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim")
        .expect("batch");
    let m = &batch.mutations;
    let outcome = PushOutcome {
        acks: vec![ack(
            m[0].id,
            MutationStatus::Conflict,
            Some(ResultCode::TimedOut),
            Some("The deadline passed and the item was rejected by timeout."),
        )],
        unanswered: vec![],
        last_acked: MutationId(1),
    };
    let applied = store
        .apply_push_outcome(m, &outcome, now())
        .await
        .expect("apply");
    assert_eq!(
        (applied.applied, applied.conflicts, applied.rejected),
        (0, 1, 0)
    );
    let summary = store.get(ids[0]).await.expect("get").expect("held").summary;
    assert_eq!(summary.status, AssignmentStatus::Conflict);
    let conflicts = store.conflicts(false).await.expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, ResultCode::TimedOut);
    assert_eq!(
        conflicts[0].message,
        "The deadline passed and the item was rejected by timeout."
    );
    assert_eq!(store.pending_count().await.expect("count"), 0);
}
