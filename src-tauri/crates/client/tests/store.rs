//! The local store and outbox, through the public API, on a real SQLite file in a temp directory.
//! Two `Store` handles on one directory stand for two processes (each has its own connection pool).

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_client::store::{
    AssignmentStatus, DecisionInput, Draft, ListQuery, SortOrder, Store, StoreError,
};
use countersign_client::sync::plan::{Ack, BatchLimits, PushOutcome};
use countersign_domain::{
    Action, AiProposal, Assignment, Epoch, Item, ItemId, ItemStatus, Lease, LeaseId, MutationId,
    MutationStatus, PullResponse, Removal, RemovalReason, Risk, Route, Stage,
};
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn assignment(n: u32, output: serde_json::Value) -> Assignment {
    let risk = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical][n as usize % 4];
    Assignment {
        item: Item {
            id: ItemId::new_v7(),
            producer: "fraud-ai".into(),
            created_at: now(),
            external_id: format!("txn-{n}"),
            kind: if n.is_multiple_of(2) {
                "transaction"
            } else {
                "content_draft"
            }
            .into(),
            title: format!("item {n}"),
            payload: json!({"n": n}),
            ai: AiProposal {
                model: Some("m".into()),
                output,
                reasoning: None,
                confidence: 0.5,
                risk,
                signals: vec![],
                evidence: vec![],
            },
            priority: i64::from(n % 100),
            due_at: Some(now() + Duration::hours(i64::from(n))),
            callback_url: None,
            route: Route::Review,
            routing_rule: "default".into(),
            approvals_required: 1,
            status: ItemStatus::Pending,
            outcome: None,
            decisions: vec![],
            team: None,
            warn_at: None,
        },
        stage: Stage::Review,
        lease: Lease {
            id: LeaseId::new_v7(),
            epoch: Epoch(1),
            expires_at: now() + Duration::hours(8),
        },
    }
}

fn pull(assignments: Vec<Assignment>, removed: Vec<Removal>) -> PullResponse {
    PullResponse {
        cursor: "c".into(),
        last_mutation_id: MutationId(0),
        server_time: now(),
        assignments,
        removed,
    }
}

async fn store_with(count: u32) -> (tempfile::TempDir, Store, Vec<ItemId>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let assignments: Vec<Assignment> = (0..count)
        .map(|n| assignment(n, json!({"verdict": "fraud"})))
        .collect();
    let ids = assignments.iter().map(|a| a.item.id).collect();
    store
        .apply_pull(&pull(assignments, vec![]), true, now(), Duration::hours(1))
        .await
        .expect("pull");
    (dir, store, ids)
}

/// The kept counts (the inbox's totals and per-stage tabs) agree with the rows themselves, for every
/// filter the inbox offers. Called after each kind of change: pull, decision, upload, conflict,
/// rejection, undo, removal.
async fn assert_counts_agree(store: &Store) {
    let statuses = [
        None,
        Some(AssignmentStatus::Open),
        Some(AssignmentStatus::Decided),
        Some(AssignmentStatus::Uploaded),
        Some(AssignmentStatus::Conflict),
        Some(AssignmentStatus::Rejected),
    ];
    for status in statuses {
        for kind in [None, Some("transaction"), Some("content_draft")] {
            for stage in [None, Some(Stage::Review), Some(Stage::Escalation)] {
                for risk in [None, Some(Risk::Low), Some(Risk::Critical)] {
                    let query = ListQuery {
                        status,
                        kind: kind.map(str::to_owned),
                        stage,
                        risk,
                        ..ListQuery::default()
                    };
                    let rows = store.list_all(&query).await.expect("rows").len();
                    let counted = store.count(&query).await.expect("count");
                    assert_eq!(counted, rows as i64, "{query:?}");
                }
            }
        }
    }
    let open = store
        .list_all(&ListQuery {
            status: Some(AssignmentStatus::Open),
            ..ListQuery::default()
        })
        .await
        .expect("open rows");
    let per_stage = |stage: Stage| open.iter().filter(|r| r.stage == stage).count() as u32;
    let counts = store.stage_counts().await.expect("stage counts");
    assert_eq!(
        (counts.review, counts.escalation, counts.second_approval),
        (
            per_stage(Stage::Review),
            per_stage(Stage::Escalation),
            per_stage(Stage::SecondApproval)
        )
    );
}

fn approve() -> DecisionInput {
    DecisionInput::new(Action::Approve)
}

#[tokio::test]
async fn reads_are_paged_filtered_and_sorted_in_sql() {
    let (_dir, store, _) = store_with(250).await;
    let page = store
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(page.len(), 100);
    assert!(page.windows(2).all(|w| w[0].priority >= w[1].priority));
    let drafts = store
        .list_all(&ListQuery {
            kind: Some("content_draft".into()),
            ..ListQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(drafts.len(), 125);
    let by_due = store
        .list(&ListQuery {
            sort: SortOrder::Due,
            limit: 5,
            offset: 10,
            ..ListQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(by_due[0].title, "item 10");
    let riskiest = store
        .list(&ListQuery {
            sort: SortOrder::Risk,
            limit: 1,
            ..ListQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(riskiest[0].risk, Risk::Critical);
}

/// The desktop inbox's filters: risk, a total that agrees with the pages, and open work per stage.
#[tokio::test]
async fn the_inbox_counts_agree_with_its_pages() {
    let (_dir, store, ids) = store_with(40).await;
    let high = ListQuery {
        risk: Some(Risk::High),
        ..ListQuery::default()
    };
    let rows = store.list_all(&high).await.expect("list");
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r.risk == Risk::High));
    assert_eq!(store.count(&high).await.expect("count"), 10);
    let transactions = ListQuery {
        kind: Some("transaction".into()),
        limit: 3,
        ..ListQuery::default()
    };
    assert_eq!(store.count(&transactions).await.expect("count"), 20);
    let counts = store.stage_counts().await.expect("counts");
    assert_eq!(
        (counts.review, counts.escalation, counts.second_approval),
        (40, 0, 0)
    );
    store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    assert_eq!(store.stage_counts().await.expect("counts").review, 39);
    assert_counts_agree(&store).await;

    // An item that arrives in review and comes back escalated, riskier, as another kind.
    let mut moved = assignment(41, json!({"verdict": "fraud"}));
    store
        .apply_pull(
            &pull(vec![moved.clone()], vec![]),
            false,
            now(),
            Duration::hours(1),
        )
        .await
        .expect("pull");
    assert_counts_agree(&store).await;
    moved.stage = Stage::Escalation;
    moved.item.ai.risk = Risk::Critical;
    moved.item.kind = "content_draft".into();
    store
        .apply_pull(&pull(vec![moved], vec![]), false, now(), Duration::hours(1))
        .await
        .expect("pull");
    let counts = store.stage_counts().await.expect("counts");
    assert_eq!((counts.review, counts.escalation), (39, 1));
    assert_counts_agree(&store).await;
}

/// A store made before the kept counts existed (migration 1 only, assignments of every status) is
/// upgraded on open with counts that agree with its rows.
#[tokio::test]
async fn an_older_store_is_upgraded_with_counts_that_agree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first_only = sqlx::migrate!("./migrations");
    first_only.migrations = first_only
        .migrations
        .iter()
        .filter(|m| m.version == 1)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join(countersign_client::store::DATABASE_FILE))
            .create_if_missing(true),
    )
    .await
    .expect("old store");
    first_only.run(&pool).await.expect("migration 1");
    let statuses = ["open", "decided", "uploaded", "conflict", "rejected"];
    for n in 0..40_usize {
        sqlx::query(
            "INSERT INTO assignments (item_id, item_json, kind, title, stage, priority, risk, risk_rank, \
             confidence, due_at, status, lease_id, lease_epoch, lease_expires_at, pulled_at) \
             VALUES (?, '{}', ?, 't', ?, 50, ?, ?, 0.5, NULL, ?, ?, 1, ?, ?)",
        )
        .bind(ItemId::new_v7().to_string())
        .bind(if n % 2 == 0 { "transaction" } else { "content_draft" })
        .bind(if n % 3 == 0 { "escalation" } else { "review" })
        .bind(["low", "medium", "high", "critical"][n % 4])
        .bind((n % 4) as i64)
        .bind(statuses[n % statuses.len()])
        .bind(LeaseId::new_v7().to_string())
        .bind("2026-11-26T12:00:00.000000Z")
        .bind("2026-11-25T12:00:00.000000Z")
        .execute(&pool)
        .await
        .expect("old row");
    }
    pool.close().await;

    let store = Store::open(dir.path()).await.expect("upgrade");
    assert_eq!(store.count(&ListQuery::default()).await.expect("count"), 40);
    assert_counts_agree(&store).await;
}

#[tokio::test]
async fn rebinding_moves_the_data_directory_to_a_new_address() {
    let (_dir, store, _) = store_with(1).await;
    store
        .bind_server("http://127.0.0.1:1000")
        .await
        .expect("bind");
    assert!(matches!(
        store.bind_server("http://127.0.0.1:2000").await,
        Err(StoreError::ServerMismatch { .. })
    ));
    store
        .rebind_server("http://127.0.0.1:2000")
        .await
        .expect("rebind");
    store
        .bind_server("http://127.0.0.1:2000")
        .await
        .expect("bound to the new address");
}

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

fn ack(id: MutationId, status: MutationStatus, code: Option<&str>, message: Option<&str>) -> Ack {
    Ack {
        mutation_id: id,
        status,
        code: code.map(str::to_owned),
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
                Some("reassigned"),
                Some("Another reviewer holds it now."),
            ),
            ack(
                m[2].id,
                MutationStatus::Rejected,
                Some("invalid_mutation"),
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
    assert_eq!(conflicts[0].code, "reassigned");
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
async fn removal_keeps_items_with_an_unsent_decision() {
    let (_dir, store, ids) = store_with(2).await;
    store
        .decide(ids[0], &approve(), now())
        .await
        .expect("decide");
    let removed = ids
        .iter()
        .map(|id| Removal {
            item_id: *id,
            reason: RemovalReason::DecidedElsewhere,
        })
        .collect();
    let applied = store
        .apply_pull(&pull(vec![], removed), false, now(), Duration::hours(1))
        .await
        .expect("pull");
    assert_eq!((applied.removed, applied.kept_with_unsent_decision), (1, 1));
    let kept = store.get(ids[0]).await.expect("get").expect("kept");
    assert_eq!(
        kept.summary.removed_reason.as_deref(),
        Some("decided_elsewhere")
    );
    assert!(store.get(ids[1]).await.expect("get").is_none());
    assert_counts_agree(&store).await;
    // Undoing it now leaves nothing to work on.
    store.undo(ids[0], now()).await.expect("undo");
    assert!(store.get(ids[0]).await.expect("get").is_none());
    assert_counts_agree(&store).await;
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
    let decision = store
        .decide(id, &signed, now())
        .await
        .expect("signed approval");
    assert_eq!(decision.attestation, signed.attestation);
}

/// Issue 5 (found by tests/tests/model_sync.rs): a store call cancelled while its `BEGIN IMMEDIATE`
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
