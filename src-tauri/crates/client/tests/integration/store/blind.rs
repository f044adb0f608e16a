//! Blind first read in the local store (docs/protocol.md, "Blind first read"): before the reviewer's
//! own read nothing of the AI's judgement leaves the store and a decision is refused; the read is
//! kept across a restart, the first one stands, and the decision takes it into the outbox.

use countersign_domain::{BlindJudgementError, BlindVerdict};

use super::*;

#[tokio::test]
async fn a_blind_read_reveals_the_proposal_survives_a_restart_and_goes_with_the_decision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let mut blind = assignment(1, json!({"dose_mg": 40}));
    blind.item.blind = true;
    blind.item.ai.reasoning = Some("within the usual range".into());
    let seen = assignment(2, json!({"verdict": "fraud"}));
    let (blind_id, seen_id) = (blind.item.id, seen.item.id);
    store
        .apply_pull(
            &pull(vec![blind, seen], vec![]),
            true,
            now(),
            Duration::hours(1),
        )
        .await
        .expect("pull");

    // Before the read: no proposal, reasoning or risk shown, no decision taken.
    let detail = store.get(blind_id).await.expect("get").expect("held");
    assert!(detail.summary.blind_pending);
    assert_eq!(detail.item.ai.output, json!(null));
    assert_eq!(detail.item.ai.reasoning, None);
    assert_eq!(detail.blind_read, None);
    let rows = store.list(&ListQuery::default()).await.expect("list");
    let pending: Vec<(ItemId, bool)> = rows.iter().map(|r| (r.item_id, r.blind_pending)).collect();
    assert!(pending.contains(&(blind_id, true)) && pending.contains(&(seen_id, false)));
    assert!(matches!(
        store.decide(blind_id, &approve(), now()).await,
        Err(StoreError::InvalidDecision(DecisionError::Blind(
            BlindJudgementError::Required
        )))
    ));
    assert_eq!(store.pending_count().await.expect("count"), 0);
    assert!(matches!(
        store
            .record_blind_read(seen_id, BlindVerdict::Approve, 3, None, now())
            .await,
        Err(StoreError::InvalidDecision(DecisionError::Blind(
            BlindJudgementError::Unexpected
        )))
    ));
    assert!(matches!(
        store
            .record_blind_read(blind_id, BlindVerdict::Reject, 6, None, now())
            .await,
        Err(StoreError::InvalidDecision(DecisionError::Blind(
            BlindJudgementError::Confidence(6)
        )))
    ));

    let read = store
        .record_blind_read(
            blind_id,
            BlindVerdict::Reject,
            4,
            Some("too high for her weight".into()),
            now(),
        )
        .await
        .expect("recorded");
    assert_eq!((read.verdict, read.confidence), (BlindVerdict::Reject, 4));

    // Another process (a restart) sees the reveal; a second read does not replace the first.
    let reopened = Store::open(dir.path()).await.expect("reopen");
    let detail = reopened.get(blind_id).await.expect("get").expect("held");
    assert!(!detail.summary.blind_pending);
    assert_eq!(detail.item.ai.output, json!({"dose_mg": 40}));
    assert_eq!(detail.blind_read.as_ref(), Some(&read));
    let again = reopened
        .record_blind_read(blind_id, BlindVerdict::Approve, 5, None, now())
        .await
        .expect("answered");
    assert_eq!(again, read);

    let decision = reopened
        .decide(blind_id, &approve(), now())
        .await
        .expect("decided");
    assert_eq!(decision.blind_judgement.as_ref(), Some(&read));
    let batch = reopened
        .claim_push_batch(BatchLimits::default())
        .await
        .expect("claim")
        .expect("a batch");
    assert_eq!(batch.mutations.len(), 1);
    assert_eq!(batch.mutations[0].blind_judgement.as_ref(), Some(&read));
}
