//! Related cases online and offline (`related::related_cases`) against the real queue service: the
//! server's answer names the items another reviewer holds (not held here) beside the ones held here;
//! with the server gone, the held ones alone.

use std::sync::Arc;
use std::time::Duration;

use countersign_client::SystemClock;
use countersign_client::model::ListQuery;
use countersign_client::notify;
use countersign_client::related::{RelatedSource, related_cases};
use countersign_client::remote::{QueueClient, Token};
use countersign_client::search::IdentifierFields;
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_testkit::{QueueProcess, fixtures};
use serde_json::json;

async fn reviewer(queue: &QueueProcess, name: &str) -> (tempfile::TempDir, Store, QueueClient) {
    let token = queue.add_user(name, "reviewer").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let remote = QueueClient::new(&queue.url(), Token::new(token)).expect("client");
    SyncEngine::new(
        store.clone(),
        remote.clone(),
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    )
    .sync_once()
    .await
    .expect("pull");
    (dir, store, remote)
}

#[tokio::test]
async fn related_cases_come_from_the_server_and_from_the_cache_offline() {
    let mut queue = QueueProcess::start(Some("prefetch = 2\n")).await;
    let mut spec = serde_json::to_value(
        fixtures::kind_with_identifiers("transaction", &[("/payload/customer", "customer")]).spec,
    )
    .expect("JSON");
    spec["reason_codes"] = json!([{"code": "other", "label": "Other"}]);
    let put = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client")
        .put(format!("{}/v1/kinds/transaction", queue.url()))
        .bearer_auth(&queue.admin)
        .json(&spec)
        .send()
        .await
        .expect("register the kind");
    assert!(put.status().is_success(), "{}", put.status());
    for n in 0..4 {
        let mut item = fixtures::review_item(&format!("rel-{n}"));
        item["payload"]["customer"] = json!("C-7");
        queue.submit_with(item).await;
    }
    let (_ana_dir, ana, ana_remote) = reviewer(&queue, "ana").await;
    let (_ben_dir, ben, _) = reviewer(&queue, "ben").await;
    let ana_held = ana.list_all(&ListQuery::default()).await.expect("list");
    let ben_held = ben.list_all(&ListQuery::default()).await.expect("list");
    assert_eq!((ana_held.len(), ben_held.len()), (2, 2));
    let fields = IdentifierFields::from_kinds(&ana.kinds().await.expect("kinds").kinds);
    let open = ana_held[0].item_id;

    let online = related_cases(&ana, Some(&ana_remote), open, &fields)
        .await
        .expect("related");
    assert_eq!(online.source, RelatedSource::Server);
    let mut shown: Vec<(String, bool)> = online
        .cases
        .iter()
        .map(|c| (c.item_id.to_string(), c.held))
        .collect();
    shown.sort();
    let mut expected = vec![(ana_held[1].item_id.to_string(), true)];
    expected.extend(ben_held.iter().map(|row| (row.item_id.to_string(), false)));
    expected.sort();
    assert_eq!(shown, expected);
    assert!(online.cases.iter().all(|c| c.shared[0].value == "C-7"));

    queue.stop().await;
    let offline = related_cases(&ana, Some(&ana_remote), open, &fields)
        .await
        .expect("related offline");
    assert_eq!(offline.source, RelatedSource::HeldOnly);
    assert_eq!(
        offline
            .cases
            .iter()
            .map(|c| (c.item_id, c.held))
            .collect::<Vec<_>>(),
        vec![(ana_held[1].item_id, true)]
    );
}
