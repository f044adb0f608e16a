//! Saved views (`Store::saved_views`, `save_view`, `delete_view`, migration 0008) and the inbox's
//! `due_within_minutes` filter: the builtin views per role with live counts, a reviewer's own view kept
//! across a restart, bad names and searches refused without changing anything.

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_client::model::{ListQuery, SortOrder};
use countersign_client::search::IdentifierFields;
use countersign_client::store::{Store, StoreError};
use countersign_client::views::{BuiltinView, ViewError, ViewFilter};
use countersign_domain::{
    Assignment, ItemId, LeaseId, MutationId, PullResponse, Risk, Role, Stage,
};
use countersign_testkit::fixtures;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn assignment(title: &str, due_in_minutes: Option<i64>) -> Assignment {
    let mut a = fixtures::assignment(ItemId::new_v7(), LeaseId::new_v7(), now());
    a.item.title = title.into();
    a.item.due_at = due_in_minutes.map(|m| now() + Duration::minutes(m));
    a.item.ai.risk = Risk::Medium;
    a
}

async fn counts(store: &Store, role: Role) -> Vec<(String, u32)> {
    store
        .saved_views(Some(role), &IdentifierFields::default(), now())
        .await
        .expect("views")
        .into_iter()
        .map(|v| (v.view.id, v.count))
        .collect()
}

#[tokio::test]
async fn builtin_and_saved_views_count_live_and_persist() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let soon = assignment("Acme refund soon", Some(30));
    let overdue = assignment("Overdue chargeback", Some(-10));
    let later = assignment("Acme later", Some(120));
    let mut risky = assignment("Risky", None);
    risky.item.ai.risk = Risk::High;
    let mut escalated = assignment("Escalated", None);
    escalated.stage = Stage::Escalation;
    let pull = PullResponse {
        cursor: "c".into(),
        last_mutation_id: MutationId(0),
        server_time: now(),
        assignments: vec![soon.clone(), overdue.clone(), later, risky, escalated],
        removed: vec![],
        more: false,
    };
    store
        .apply_pull(&pull, true, now(), Duration::hours(1))
        .await
        .expect("pull");

    // The due filter: open items due within the hour, overdue ones included; the count agrees.
    let due = ListQuery {
        due_within_minutes: Some(60),
        sort: SortOrder::Due,
        ..ListQuery::default()
    }
    .at(now());
    let listed: Vec<ItemId> = store
        .list(&due)
        .await
        .expect("list")
        .iter()
        .map(|row| row.item_id)
        .collect();
    assert_eq!(listed, vec![overdue.item.id, soon.item.id]);
    assert_eq!(store.count(&due).await.expect("count"), 2);

    let builtin = |view: BuiltinView, count: u32| (view.view().id, count);
    assert_eq!(
        counts(&store, Role::Reviewer).await,
        vec![
            builtin(BuiltinView::Everything, 5),
            builtin(BuiltinView::DueNextHour, 2),
            builtin(BuiltinView::HighRisk, 1),
        ]
    );
    assert_eq!(
        counts(&store, Role::Senior).await,
        vec![
            builtin(BuiltinView::Everything, 5),
            builtin(BuiltinView::DueNextHour, 2),
            builtin(BuiltinView::HighRisk, 1),
            builtin(BuiltinView::Escalations, 1),
        ]
    );

    let acme = ViewFilter {
        search: Some("acme".into()),
        ..ViewFilter::default()
    };
    let saved = store
        .save_view("  Acme work ", &acme, now())
        .await
        .expect("save");
    assert_eq!(saved.name, "Acme work");
    assert_eq!(saved.builtin, None);
    let refused = [
        ("acme WORK", acme.clone(), "a duplicate name, ignoring case"),
        (" ", acme.clone(), "an empty name"),
        (
            "Broken",
            ViewFilter {
                search: Some("\"unclosed".into()),
                ..ViewFilter::default()
            },
            "a malformed search",
        ),
    ];
    for (name, filter, what) in refused {
        assert!(
            matches!(
                store.save_view(name, &filter, now()).await,
                Err(StoreError::View(
                    ViewError::DuplicateName(_) | ViewError::EmptyName | ViewError::Search(_)
                ))
            ),
            "{what}"
        );
    }
    assert!(matches!(
        store.delete_view(&BuiltinView::Everything.view().id).await,
        Err(StoreError::View(ViewError::Builtin))
    ));
    assert!(matches!(
        store.delete_view("no-such-view").await,
        Err(StoreError::View(ViewError::Unknown(_)))
    ));

    // Kept across a restart, counted like the rest.
    drop(store);
    let store = Store::open(dir.path()).await.expect("reopen");
    let views = store
        .saved_views(Some(Role::Reviewer), &IdentifierFields::default(), now())
        .await
        .expect("views");
    assert_eq!(
        views.len(),
        4,
        "three builtins and the saved one: {views:?}"
    );
    assert_eq!(views[3].view, saved);
    assert_eq!(views[3].count, 2, "the two Acme items");

    store.delete_view(&saved.id).await.expect("delete");
    assert_eq!(counts(&store, Role::Reviewer).await.len(), 3);
}
