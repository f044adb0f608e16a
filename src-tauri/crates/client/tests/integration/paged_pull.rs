//! A large prefetch arrives in pages (docs/protocol.md, "Paged pulls"): against the real queue
//! service in this process, a fresh core's first round takes a small page, then pages twice as
//! large, reports each page as it lands, and ends holding every item it was granted, each once. A
//! page refused in the middle of a round keeps the pages before it, drops the one asked for meanwhile,
//! and the next round makes the cache whole again.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};

use countersign_client::plan::{FIRST_PULL_PAGE, pull_page_size};
use countersign_client::sync::SyncError;
use countersign_domain::Role;
use countersign_queue::Policy;
use countersign_testkit::fixtures::new_item;
use countersign_testkit::{Backend, Queue, QueueOptions, TestDb, on_both_backends};

use crate::support::fresh_engine;

on_both_backends!(
    a_large_prefetch_arrives_in_growing_pages,
    a_page_refused_mid_round_keeps_the_pages_before_and_the_next_round_mends,
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
    let db = TestDb::new(backend);
    let (queue, ana) = queue_of_three_pages(&db).await;
    // The second pull's answer claims a mutation this client never made: the core refuses it.
    let proxy = Arc::new(Proxy {
        upstream: queue.url.clone(),
        http: countersign_testkit::http_client(),
        pulls: AtomicUsize::new(0),
        corrupt_pull: 2,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let proxy_url = format!("http://{}", listener.local_addr().expect("address"));
    let app = axum::Router::new()
        .fallback(relay)
        .with_state(proxy.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (dir, store, engine) = fresh_engine(&proxy_url, ana).await;
    let refused = engine.sync_once().await;
    assert!(
        matches!(refused, Err(SyncError::Plan(_))),
        "the round ends at the refused page: {refused:?}"
    );
    assert_eq!(
        store.count_assignments().await.expect("count"),
        i64::from(FIRST_PULL_PAGE),
        "the first page stays; the refused one and the one asked for meanwhile are not applied"
    );

    engine.sync_once().await.expect("the next round");
    let path = dir.path().join(countersign_client::store::DATABASE_FILE);
    let mut cache = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .expect("open the store read-only");
    let cached: BTreeSet<String> = sqlx::query_scalar("SELECT item_id FROM assignments")
        .fetch_all(&mut cache)
        .await
        .expect("cached ids")
        .into_iter()
        .collect();
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
        cached, held,
        "the cache holds what the queue granted, each once"
    );
}

/// Relays every request to the queue, corrupting the answer of its `corrupt_pull`-th pull.
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    pulls: AtomicUsize,
    corrupt_pull: usize,
}

async fn relay(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let mut request = proxy
        .http
        .request(method, format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &headers {
        if name != header::HOST {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.expect("the queue answers");
    let status = answer.status();
    let mut body = answer.bytes().await.expect("answer body");
    if uri.path() == "/v1/sync/pull"
        && proxy.pulls.fetch_add(1, Ordering::SeqCst) + 1 == proxy.corrupt_pull
    {
        let mut pulled: Value = serde_json::from_slice(&body).expect("a pull answer");
        pulled["last_mutation_id"] = json!(999);
        body = serde_json::to_vec(&pulled).expect("JSON").into();
    }
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
