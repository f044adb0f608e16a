//! A large prefetch arrives in pages (docs/protocol.md, "Paged pulls"): against the real queue
//! service in this process, a fresh core's first round takes a small page, then pages twice as
//! large, reports each page as it lands, and ends holding every item it was granted, each once.

use std::sync::Arc;

use countersign_client::SystemClock;
use countersign_client::notify;
use countersign_client::plan::{FIRST_PULL_PAGE, pull_page_size};
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_domain::Role;
use countersign_queue::Policy;
use countersign_testkit::fixtures::new_item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

on_both_backends!(a_large_prefetch_arrives_in_growing_pages);

async fn a_large_prefetch_arrives_in_growing_pages(backend: Backend) {
    // Three pages: 100, 200, then the last 50 of the prefetch.
    let prefetch = FIRST_PULL_PAGE + pull_page_size(1) + 50;
    let db = TestDb::new(backend);
    let policy = Policy::parse(&format!("prefetch = {prefetch}"), "test policy").expect("policy");
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy,
            ..Default::default()
        },
    )
    .await;
    queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let items: Vec<_> = (0..prefetch + 20)
        .map(|n| new_item(&format!("t-{n}"), "transaction", 0.8, "medium"))
        .collect();
    countersign_queue::items::submit_all(queue.state(), "bot", &items)
        .await
        .expect("submit");

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let remote = QueueClient::new(&queue.url, Token::new(ana)).expect("client");
    let engine = SyncEngine::new(
        store.clone(),
        remote,
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    let mut pages = Vec::new();
    let report = engine
        .sync_paged(&mut |so_far| pages.push(so_far.pulled))
        .await
        .expect("first round");
    assert_eq!(
        pages,
        [100, 300],
        "each page but the last is reported as it lands, with the total so far"
    );
    assert_eq!(report.pulled, prefetch as usize);
    assert_eq!(
        store.count_assignments().await.expect("count"),
        i64::from(prefetch),
        "every page kept, none twice"
    );
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder = 'ana'")
            .await,
        i64::from(prefetch),
        "the queue granted the prefetch, no more"
    );

    let mut later_pages = 0;
    let again = engine
        .sync_paged(&mut |_| later_pages += 1)
        .await
        .expect("second round");
    assert_eq!(
        (again.pulled, later_pages),
        (0, 0),
        "a full prefetch is one page with nothing new"
    );
}
