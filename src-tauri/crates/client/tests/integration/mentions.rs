//! A comment's `@name` reaches that person's desktop: their watching sync engine hears the `mention`
//! event and shows one notice for the item, naming who wrote what; a later mention on the same item
//! raises no second notice (the comment is in the item's timeline). Against the queue in this process.

use std::sync::Arc;
use std::time::Duration;

use countersign_client::SystemClock;
use countersign_client::notify::NoticeTarget;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::Role;
use countersign_testkit::fixtures::{assignments, mutation, review_item};
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};
use serde_json::json;
use uuid::Uuid;

use crate::support::Recording;

on_both_backends!(a_mention_shows_one_notice_for_the_item,);

/// How long a notice that should come may take, and how long one that should not is waited for.
/// Neither is a measured speed.
const ARRIVES_WITHIN: Duration = Duration::from_secs(10);
const ABSENT_FOR: Duration = Duration::from_secs(1);

async fn shown_within(shown: &Recording, count: usize, within: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    while shown.shown().len() < count && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shown.shown().len()
}

async fn a_mention_shows_one_notice_for_the_item(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let bo = queue.user("bo", Role::Senior).await;
    let submitted = queue.submit(&producer, &review_item("m-1")).await;

    let ana_client = Uuid::now_v7();
    let anas = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(anas[0]["item"]["id"], submitted["id"]);
    // Bo's desktop watches (his store, a recording notifier).
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let shown = Arc::new(Recording::default());
    let engine = SyncEngine::new(
        store,
        QueueClient::new(&queue.url, Token::new(bo)).expect("client"),
        shown.clone(),
        Arc::new(SystemClock),
    );
    let watching = tokio::spawn(async move { engine.watch().await });

    let comment = |id: u64, text: &str| {
        let mut comment = mutation(id, &anas[0], "comment");
        comment["note"] = json!(text);
        comment
    };
    // Bo's stream may open after the first comment: each comment is sent until one is heard.
    let mut next = 1;
    while shown_within(&shown, 1, Duration::from_millis(500)).await == 0 && next < 20 {
        let pushed = queue
            .push(
                &ana,
                ana_client,
                &[comment(next, "@bo is this the usual rent?")],
            )
            .await;
        assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
        next += 1;
    }
    assert_eq!(shown_within(&shown, 1, ARRIVES_WITHIN).await, 1);
    let notice = &shown.shown()[0];
    assert_eq!(notice.summary, "Mentioned in a comment");
    assert!(
        notice.body.starts_with("ana on ")
            && notice.body.ends_with(": @bo is this the usual rent?"),
        "{}",
        notice.body
    );
    let item_id = submitted["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("an item id");
    assert_eq!(notice.opens, NoticeTarget::Item { item_id });

    let again = queue
        .push(
            &ana,
            ana_client,
            &[comment(next, "@bo and the one before?")],
        )
        .await;
    assert_eq!(again["results"][0]["status"], "applied", "{again}");
    assert_eq!(
        shown_within(&shown, 2, ABSENT_FOR).await,
        1,
        "one notice per item: {:?}",
        shown.summaries()
    );
    watching.abort();
}
