//! A store made by the migrations before 0007 (no search index) holding assignments, a draft and a
//! decision: opening it with this version indexes all of them.

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::*;

#[tokio::test]
async fn an_upgraded_store_indexes_what_it_already_held() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut migrator = Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations"
    )))
    .await
    .expect("migrations");
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version < 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join(countersign_client::store::DATABASE_FILE))
                .create_if_missing(true),
        )
        .await
        .expect("old store");
    migrator.run(&pool).await.expect("old migrations");
    let items = transactions();
    for a in &items {
        sqlx::query(
            "INSERT INTO assignments (item_id, item_json, kind, title, stage, priority, risk, \
             risk_rank, confidence, status, lease_id, lease_epoch, lease_expires_at, pulled_at) \
             VALUES (?, ?, ?, ?, 'review', 50, 'medium', 1, 0.5, 'open', ?, 1, ?, ?)",
        )
        .bind(a.item.id.to_string())
        .bind(serde_json::to_string(&a.item).expect("item json"))
        .bind(&a.item.kind)
        .bind(&a.item.title)
        .bind(a.lease.id.to_string())
        .bind("2026-11-25T13:00:00.000000Z")
        .bind("2026-11-25T12:00:00.000000Z")
        .execute(&pool)
        .await
        .expect("old assignment");
    }
    let [card, refund, campaign] = [0, 1, 2].map(|i| items[i].item.id.to_string());
    sqlx::query("INSERT INTO drafts (item_id, note, updated_at) VALUES (?, 'ring the shop', ?)")
        .bind(&refund)
        .bind("2026-11-25T12:00:00.000000Z")
        .execute(&pool)
        .await
        .expect("old draft");
    sqlx::query("UPDATE assignments SET status = 'decided' WHERE item_id = ?")
        .bind(&campaign)
        .execute(&pool)
        .await
        .expect("old decision");
    sqlx::query(
        "INSERT INTO outbox (decision_id, item_id, lease_id, lease_epoch, action, note, client_time, \
         state) VALUES (?, ?, ?, 1, 'approve', 'tone checked', ?, 'pending')",
    )
    .bind(ItemId::new_v7().to_string())
    .bind(&campaign)
    .bind(items[2].lease.id.to_string())
    .bind("2026-11-25T12:00:00.000000Z")
    .execute(&pool)
    .await
    .expect("old outbox row");
    pool.close().await;

    let store = Store::open(dir.path()).await.expect("upgrade");
    let found = |hits: Vec<SearchHit>| {
        hits.iter()
            .map(|hit| hit.summary.item_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(found(search(&store, "declined").await), vec![card.clone()]);
    assert_eq!(
        found(search(&store, "merchant:globex").await),
        vec![refund.clone()]
    );
    assert_eq!(found(search(&store, "shop").await), vec![refund]);
    assert_eq!(found(search(&store, "tone").await), vec![campaign.clone()]);
    assert_eq!(search(&store, "acme").await.len(), 3);

    // And it keeps following writes from here.
    store
        .undo(items[2].item.id, now())
        .await
        .expect("undo the old decision");
    assert_eq!(found(search(&store, "tone").await), Vec::<String>::new());
    assert_eq!(found(search(&store, "spring").await), vec![campaign]);
    assert_eq!(found(search(&store, "card:4242").await), vec![card]);
}
