//! A large prefetch arrives in pages (docs/protocol.md, "Paged pulls"): against the real queue
//! service in this process, a fresh core's first round takes a small page, then pages twice as
//! large, reports each page as it lands, and ends holding every item it was granted, each once. A
//! page refused or lost in the middle of a round keeps the pages before it, and the next round makes
//! the cache whole again: the items the server granted in a page whose answer never arrived come with
//! it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;
use sqlx::{Connection, SqliteConnection};

use countersign_client::plan::{FIRST_PULL_PAGE, pull_page_size};
use countersign_client::sync::SyncError;
use countersign_domain::Role;
use countersign_queue::Policy;
use countersign_testkit::fixtures::new_item;
use countersign_testkit::{
    Backend, Proxy, PullFault, Queue, QueueOptions, TestDb, on_both_backends,
};

use crate::support::fresh_engine;

on_both_backends!(
    a_large_prefetch_arrives_in_growing_pages,
    a_page_refused_mid_round_keeps_the_pages_before_and_the_next_round_mends,
    a_page_lost_mid_round_keeps_the_pages_before_and_the_next_round_brings_its_grants,
);

/// Three pages: 100, 200, then the last 50 of the prefetch.
fn three_pages() -> u32 {
    FIRST_PULL_PAGE + pull_page_size(FIRST_PULL_PAGE, 1) + 50
}

/// A queue whose policy prefetches [`three_pages`], with 20 items more than that, and the token of
/// its reviewer `ana`.
async fn queue_of_three_pages(db: &TestDb) -> (Queue, String) {
    let prefetch = three_pages();
    let policy = Policy::parse(&format!("prefetch = {prefetch}"), "test policy").expect("policy");
    let queue = Queue::start(
        db,
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
    (queue, ana)
}

async fn a_large_prefetch_arrives_in_growing_pages(backend: Backend) {
    let prefetch = three_pages();
    let db = TestDb::new(backend);
    let (queue, ana) = queue_of_three_pages(&db).await;

    let (_dir, store, engine) = fresh_engine(&queue.url, ana).await;
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

async fn a_page_refused_mid_round_keeps_the_pages_before_and_the_next_round_mends(
    backend: Backend,
) {
    // The second pull's answer claims a mutation this client never made: the core refuses it.
    let refused = |outcome: &Result<_, SyncError>| matches!(outcome, Err(SyncError::Plan(_)));
    let fault = PullFault::Alter(Box::new(|pulled| pulled["last_mutation_id"] = json!(999)));
    a_faulty_second_page(backend, fault, refused).await;
}

async fn a_page_lost_mid_round_keeps_the_pages_before_and_the_next_round_brings_its_grants(
    backend: Backend,
) {
    // The server commits the second pull (its grants included), and its answer never arrives.
    let lost =
        |outcome: &Result<_, SyncError>| matches!(outcome, Err(error) if error.is_transient());
    a_faulty_second_page(backend, PullFault::Lose, lost).await;
}

/// A fresh core's first round meets `fault` at its second page and ends as `expected` says; the
/// first page stays, and the next round leaves the cache holding exactly what the queue granted.
async fn a_faulty_second_page(
    backend: Backend,
    fault: PullFault,
    expected: impl Fn(&Result<countersign_client::sync::SyncReport, SyncError>) -> bool,
) {
    let db = TestDb::new(backend);
    let (queue, ana) = queue_of_three_pages(&db).await;
    let proxy = Proxy::start(Some(queue.addr())).await;
    proxy.fault_pull(1, fault);

    let (dir, store, engine) = fresh_engine(&proxy.url(), ana).await;
    let first = engine.sync_once().await;
    assert!(
        expected(&first),
        "the round ends at the faulty page: {first:?}"
    );
    assert_eq!(proxy.faults_injected(), 1, "the second pull met the fault");
    assert_eq!(
        store.count_assignments().await.expect("count"),
        i64::from(FIRST_PULL_PAGE),
        "the first page stays; the faulty one is not applied"
    );
    let granted = queue
        .count("SELECT COUNT(*) FROM items WHERE holder = 'ana'")
        .await;
    assert!(
        granted > i64::from(FIRST_PULL_PAGE),
        "the queue granted the faulty page's items ({granted} held)"
    );

    engine.sync_once().await.expect("the next round");
    let held: BTreeSet<String> = sqlx::query_scalar::<_, String>(
        "SELECT id FROM items WHERE holder = 'ana' AND stage IS NOT NULL",
    )
    .fetch_all(&queue.state().db.pool)
    .await
    .expect("held ids")
    .into_iter()
    .collect();
    assert_eq!(
        held.len(),
        three_pages() as usize,
        "the queue granted the prefetch"
    );
    assert_eq!(
        cached_ids(dir.path()).await,
        held,
        "the cache holds what the queue granted, each once"
    );
}

/// The item ids in the store's file under `dir`, read on a connection of their own.
async fn cached_ids(dir: &Path) -> BTreeSet<String> {
    let path = dir.join(countersign_client::store::DATABASE_FILE);
    let mut cache = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .expect("open the store read-only");
    sqlx::query_scalar("SELECT item_id FROM assignments")
        .fetch_all(&mut cache)
        .await
        .expect("cached ids")
        .into_iter()
        .collect()
}
