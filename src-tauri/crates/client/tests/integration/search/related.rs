//! Related cases from the local cache: the other held items that share an identifying field's value
//! (compared whole, ignoring case), for the kinds that name that field; never the item itself.

use super::*;

#[tokio::test]
async fn related_items_share_an_identifying_value() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let mut items = transactions();
    let mut same_merchant = assignment(
        "transaction",
        "Second payment",
        json!({"merchant": {"name": "ACME CORP"}, "card": {"last4": "9999"}}),
        json!("x"),
    );
    same_merchant.item.priority = 90;
    let mut same_card = assignment(
        "transaction",
        "Third payment",
        json!({"merchant": {"name": "Initech"}, "card": {"last4": "4242"}}),
        json!("x"),
    );
    same_card.item.priority = 10;
    let both = assignment(
        "transaction",
        "Fourth payment",
        json!({"merchant": {"name": "Acme Corp"}, "card": {"last4": "4242"}}),
        json!("x"),
    );
    let unrelated = assignment(
        "transaction",
        "Acme Corp mentioned only in the title",
        json!({"merchant": {"name": "Hooli"}, "card": {"last4": "4243"}}),
        json!("Acme Corp 4242"),
    );
    let card = items[0].item.id;
    let expected = [&same_merchant, &both, &same_card].map(|a| a.item.id);
    items.extend([same_merchant, same_card, both, unrelated]);
    apply(&store, items, true).await;

    let related = store.related(card, &fields()).await.expect("related");
    let found: Vec<(ItemId, Vec<(String, String)>)> = related
        .iter()
        .map(|r| {
            let shared = r
                .shared
                .iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect();
            (r.summary.item_id, shared)
        })
        .collect();
    let card_4242 = ("card".to_owned(), "4242".to_owned());
    let acme = ("merchant".to_owned(), "Acme Corp".to_owned());
    // The content draft whose brand is "Acme Corp" names another field: not related by merchant.
    assert_eq!(
        found,
        vec![
            (expected[0], vec![acme.clone()]),
            (expected[1], vec![card_4242.clone(), acme]),
            (expected[2], vec![card_4242]),
        ]
    );

    let unknown = ItemId::new_v7();
    assert!(matches!(
        store.related(unknown, &fields()).await,
        Err(StoreError::NotHeld(id)) if id == unknown
    ));
}
