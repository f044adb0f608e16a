//! Comments and the item's story in the desktop core: a comment goes through the outbox with the
//! decisions and reaches the real queue (behind the fault proxy) exactly once, also when the answer
//! to its upload is lost, also beside a decision on the same item; it leaves the item open; too long or on an item not held, it is refused and
//! nothing is stored; the story comes from the server and, offline, from the copy kept of it.

use std::sync::Arc;

use countersign_client::model::{AssignmentStatus, DecisionInput, ListQuery};
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::{Store, StoreError};
use countersign_client::story::{StorySource, item_story};
use countersign_client::sync::SyncEngine;
use countersign_client::{Clock, SystemClock};
use countersign_domain::{Action, AuditAction, COMMENT_MAX_CHARS, ItemId};
use countersign_testkit::{Backend, QueueProcess, on_both_backends};

use crate::support::audit_entries;

on_both_backends!(a_comment_arrives_once_and_the_story_opens_offline,);

async fn a_comment_arrives_once_and_the_story_opens_offline(backend: Backend) {
    let queue = QueueProcess::start_on(backend, None).await;
    queue.submit("story-1").await;
    queue.submit("story-2").await;
    let token = queue.add_user("story-reviewer", "reviewer").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let remote = QueueClient::new(&queue.url(), Token::new(token)).expect("client");
    let engine = SyncEngine::new(
        store.clone(),
        remote.clone(),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    engine.sync_once().await.expect("pull");
    let held = store.list_all(&ListQuery::default()).await.expect("list");
    assert_eq!(held.len(), 2);
    let (id, other) = (held[0].item_id, held[1].item_id);

    // Refused before anything is stored.
    let now = SystemClock.now();
    let too_long = "x".repeat(COMMENT_MAX_CHARS + 1);
    assert!(matches!(
        store.comment(id, &too_long, now).await,
        Err(StoreError::CommentTooLong(COMMENT_MAX_CHARS))
    ));
    assert!(matches!(
        store.comment(id, "  ", now).await,
        Err(StoreError::EmptyComment)
    ));
    assert!(matches!(
        store.comment(ItemId::new_v7(), "hello", now).await,
        Err(StoreError::NotHeld(_))
    ));
    assert_eq!(store.pending_count().await.expect("pending"), 0);

    // A comment, then a decision on the other item; the comment's item stays open and undo leaves
    // the comment alone.
    let text = "Same card as yesterday's dispute; checking with the bank.";
    let comment = store.comment(id, text, now).await.expect("comment");
    store
        .decide(other, &DecisionInput::new(Action::Approve), now)
        .await
        .expect("decide");
    assert!(matches!(
        store.undo(id, now).await,
        Err(StoreError::NothingToUndo(_))
    ));
    // Beside an unsent decision on the same item, any number of comments.
    for n in 0..2 {
        store
            .comment(other, &format!("approved, note {n}"), now)
            .await
            .expect("a comment beside a decision");
    }
    let open = store.get(id).await.expect("get").expect("held");
    assert_eq!(open.summary.status, AssignmentStatus::Open);
    assert_eq!(open.decision, None, "a comment is not the item's decision");

    // Offline first: the story is the local comment only.
    let offline = item_story(&store, None, id, now).await.expect("story");
    assert_eq!(offline.source, StorySource::Unavailable);
    assert_eq!(offline.local_comments.len(), 1);

    // The answer to the upload is lost; the upload is sent again; each arrives once.
    queue.proxy.lose_next_push_response(true);
    assert!(
        engine.upload_now().await.is_err(),
        "the lost answer fails the upload"
    );
    engine.upload_now().await.expect("upload again");
    assert_eq!(store.pending_count().await.expect("pending"), 0);
    let comments = audit_entries(&queue, &id.to_string(), "comment").await;
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0]["data"]["note"], text);
    assert_eq!(
        comments[0]["data"]["decision_id"],
        comment.comment_id.to_string()
    );
    let other_item = queue.item(&other.to_string()).await;
    assert_eq!(other_item["decisions"].as_array().map(Vec::len), Some(1));
    let other_comments = audit_entries(&queue, &other.to_string(), "comment").await;
    assert_eq!(other_comments.len(), 2, "{other_comments:?}");
    assert_eq!(
        store
            .get(id)
            .await
            .expect("get")
            .expect("held")
            .summary
            .status,
        AssignmentStatus::Open
    );

    // Online: the server's story, kept; then offline: the same story from the copy.
    let online = item_story(&store, Some(&remote), id, now)
        .await
        .expect("story");
    assert_eq!(online.source, StorySource::Server);
    assert!(
        online.local_comments.is_empty(),
        "the story holds the comment"
    );
    let actions: Vec<AuditAction> = online.entries.iter().map(|entry| entry.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::Submit,
            AuditAction::Route,
            AuditAction::Assign,
            AuditAction::Comment
        ]
    );
    queue.proxy.set_offline(true);
    let cached = item_story(&store, Some(&remote), id, now)
        .await
        .expect("story");
    assert_eq!(cached.source, StorySource::Cache);
    assert_eq!(cached.entries, online.entries);
    assert_eq!(cached.fetched_at, online.fetched_at);
}
