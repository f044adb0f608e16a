//! The local store and outbox, through the public API, on a real SQLite file in a temp directory.
//! Two `Store` handles on one directory stand for two processes (each has its own connection pool).

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_client::decision::DecisionError;
use countersign_client::model::{AssignmentStatus, DecisionInput, Draft, ListQuery, SortOrder};
use countersign_client::plan::{Ack, BatchLimits, PushOutcome};
use countersign_client::store::{Store, StoreError};
use countersign_domain::CorrectionError;
use countersign_domain::{
    Action, Assignment, ItemId, LeaseId, MutationId, MutationStatus, PullResponse, Removal,
    RemovalReason, ResultCode, Risk, Stage,
};
use countersign_testkit::fixtures;
use serde_json::json;

mod blind;
mod lifecycle;
mod outbox;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn assignment(n: u32, output: serde_json::Value) -> Assignment {
    let mut a = fixtures::assignment(ItemId::new_v7(), LeaseId::new_v7(), now());
    a.item.external_id = format!("txn-{n}");
    a.item.kind = if n.is_multiple_of(2) {
        "transaction"
    } else {
        "content_draft"
    }
    .into();
    a.item.title = format!("item {n}");
    a.item.payload = json!({"n": n});
    a.item.ai.model = Some("m".into());
    a.item.ai.output = output;
    a.item.ai.confidence = 0.5;
    a.item.ai.risk = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical][n as usize % 4];
    a.item.priority = i64::from(n % 100);
    a.item.due_at = Some(now() + Duration::hours(i64::from(n)));
    a
}

fn pull(assignments: Vec<Assignment>, removed: Vec<Removal>) -> PullResponse {
    PullResponse {
        cursor: "c".into(),
        last_mutation_id: MutationId(0),
        server_time: now(),
        assignments,
        removed,
        more: false,
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

/// Every page at every offset holds the rows the whole ordered list holds there, for each sort order
/// and filter, with ties in priority and due date and items without one. (Pages past the first
/// anchor are read from an anchor: src/store/anchors.rs tests those on random lists.)
#[tokio::test]
async fn pages_at_any_offset_match_the_whole_list() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let assignments: Vec<Assignment> = (0..230)
        .map(|n| {
            let mut a = assignment(n, json!({"verdict": "fraud"}));
            a.item.priority = i64::from(n % 7);
            a.item.due_at =
                (!n.is_multiple_of(3)).then(|| now() + Duration::hours(i64::from(n % 5)));
            a
        })
        .collect();
    store
        .apply_pull(&pull(assignments, vec![]), true, now(), Duration::hours(1))
        .await
        .expect("pull");
    let decided = store
        .list(&ListQuery {
            limit: 10,
            ..ListQuery::default()
        })
        .await
        .expect("list");
    for row in &decided {
        store
            .decide(row.item_id, &approve(), now())
            .await
            .expect("decide");
    }
    let filters = [
        ListQuery::default(),
        ListQuery {
            status: Some(AssignmentStatus::Open),
            ..ListQuery::default()
        },
        ListQuery {
            kind: Some("transaction".into()),
            risk: Some(Risk::High),
            ..ListQuery::default()
        },
    ];
    for sort in [SortOrder::Priority, SortOrder::Due, SortOrder::Risk] {
        for filter in &filters {
            let whole: Vec<ItemId> = store
                .list(&ListQuery {
                    sort,
                    offset: 0,
                    limit: 1000,
                    ..filter.clone()
                })
                .await
                .expect("whole list")
                .iter()
                .map(|r| r.item_id)
                .collect();
            assert_eq!(
                whole.len() as i64,
                store.count(filter).await.expect("count")
            );
            for limit in [7u32, 50] {
                for offset in (0..whole.len() as u32 + 10).step_by(13) {
                    let page: Vec<ItemId> = store
                        .list(&ListQuery {
                            sort,
                            offset,
                            limit,
                            ..filter.clone()
                        })
                        .await
                        .expect("page")
                        .iter()
                        .map(|r| r.item_id)
                        .collect();
                    let from = (offset as usize).min(whole.len());
                    let to = (from + limit as usize).min(whole.len());
                    assert_eq!(
                        page,
                        whole[from..to],
                        "{sort:?} {filter:?} offset {offset} limit {limit}"
                    );
                }
            }
        }
    }
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
