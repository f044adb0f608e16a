//! Search over the local cache (migrations/0007_search.sql, store/search.rs): what it finds and how it
//! marks matches, that it follows every write (pull, draft, decide, undo, removal), that it indexes
//! what an older store already held when it is upgraded, and (agreement.rs) that its results are those
//! of a brute-force filter over the same rows.

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_client::model::{AssignmentStatus, DecisionInput, Draft, ListQuery};
use countersign_client::search::{IdentifierFields, QueryError, TextSegment};
use countersign_client::store::{RANKED_MATCHES, SearchHit, Store, StoreError};
use countersign_domain::{Action, Assignment, ItemId, LeaseId, MutationId, PullResponse};
use countersign_testkit::fixtures::{self, kind_with_identifiers as kind};
use serde_json::{Value, json};

mod agreement;
mod cli;
mod related;
mod upgrade;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn fields() -> IdentifierFields {
    IdentifierFields::from_kinds(&[
        kind(
            "transaction",
            &[
                ("/payload/merchant/name", "merchant"),
                ("/payload/card/last4", "card"),
            ],
        ),
        kind("content_draft", &[("/payload/brand", "brand")]),
    ])
}

fn assignment(kind: &str, title: &str, payload: Value, output: Value) -> Assignment {
    let mut a = fixtures::assignment(ItemId::new_v7(), LeaseId::new_v7(), now());
    a.item.kind = kind.into();
    a.item.title = title.into();
    a.item.payload = payload;
    a.item.ai.output = output;
    a
}

fn pull(assignments: Vec<Assignment>) -> PullResponse {
    PullResponse {
        cursor: "c".into(),
        last_mutation_id: MutationId(0),
        server_time: now(),
        assignments,
        removed: vec![],
        more: false,
    }
}

async fn apply(store: &Store, assignments: Vec<Assignment>, full_snapshot: bool) {
    store
        .apply_pull(&pull(assignments), full_snapshot, now(), Duration::hours(1))
        .await
        .expect("pull");
}

async fn search(store: &Store, text: &str) -> Vec<SearchHit> {
    search_in(store, text, &ListQuery::default()).await
}

/// The page's hits; checks its total against them on the way (a first page shorter than the page size
/// holds every match).
async fn search_in(store: &Store, text: &str, filters: &ListQuery) -> Vec<SearchHit> {
    let page = store
        .search(text, &fields(), filters)
        .await
        .unwrap_or_else(|e| panic!("search {text:?}: {e}"));
    let shown = page.hits.len() as u32;
    assert!(
        page.total >= shown,
        "{text}: total {} < {shown}",
        page.total
    );
    if filters.offset == 0 && shown < filters.page_size() {
        assert_eq!(page.total, shown, "{text}: the total of a short first page");
    }
    page.hits
}

fn ids(hits: &[SearchHit]) -> Vec<ItemId> {
    hits.iter().map(|hit| hit.summary.item_id).collect()
}

fn marked(segments: &[TextSegment]) -> Vec<&str> {
    segments
        .iter()
        .filter(|s| s.matched)
        .map(|s| s.text.as_str())
        .collect()
}

fn transactions() -> Vec<Assignment> {
    vec![
        assignment(
            "transaction",
            "Card declined at Acme",
            json!({"merchant": {"name": "Acme Corp"}, "card": {"last4": "4242"}, "amount": 120}),
            json!({"verdict": "block", "reason": "velocity spike"}),
        ),
        assignment(
            "transaction",
            "Refund requested",
            json!({"merchant": {"name": "Globex"}, "card": {"last4": "1881"}}),
            json!({"verdict": "allow", "reason": "known customer of acme"}),
        ),
        assignment(
            "content_draft",
            "Spring campaign",
            json!({"brand": "Acme Corp"}),
            json!("Launch copy for the spring range"),
        ),
    ]
}

#[tokio::test]
async fn finds_titles_payload_and_ai_text_ranked_with_matches_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let items = transactions();
    let [card, refund, campaign] = [0, 1, 2].map(|i| items[i].item.id);
    apply(&store, items, true).await;

    // A title match outranks a match in the AI's reasoning; both payload and output are searched.
    let hits = search(&store, "acme").await;
    assert_eq!(ids(&hits)[0], card);
    assert_eq!(marked(&hits[0].title), vec!["Acme"]);
    let refund_hit = hits
        .iter()
        .find(|hit| hit.summary.item_id == refund)
        .expect("the refund matches in the AI's reasoning");
    assert_eq!(marked(&refund_hit.title), Vec::<&str>::new());
    assert_eq!(marked(&refund_hit.excerpt), vec!["acme"]);
    assert!(ids(&hits).contains(&campaign));
    assert_eq!(ids(&search(&store, "velocity").await), vec![card]);
    assert_eq!(ids(&search(&store, "spring").await), vec![campaign]);
    assert_eq!(ids(&search(&store, "4242").await), vec![card]);
    assert_eq!(
        ids(&search(&store, "\"known customer\"").await),
        vec![refund]
    );
    assert_eq!(ids(&search(&store, "\"customer known\"").await), vec![]);
    assert_eq!(ids(&search(&store, "decl*").await), vec![card]);
    assert_eq!(
        ids(&search(&store, "acme -refund").await),
        vec![card, campaign]
    );
    assert_eq!(ids(&search(&store, "spring OR velocity").await).len(), 2);

    // Field filters: exact, whole value, any case, only for the kinds that name them.
    assert_eq!(ids(&search(&store, "merchant:acme").await), vec![]);
    assert_eq!(
        ids(&search(&store, "merchant:\"ACME corp\"").await),
        vec![card]
    );
    assert_eq!(
        ids(&search(&store, "brand:\"acme corp\"").await),
        vec![campaign]
    );
    assert_eq!(ids(&search(&store, "card:1881").await), vec![refund]);
    assert_eq!(ids(&search(&store, "card:1881 velocity").await), vec![]);
    assert_eq!(ids(&search(&store, "-velocity card:4242").await), vec![]);

    // Combined with the inbox's filters.
    let drafts = ListQuery {
        kind: Some("content_draft".into()),
        ..ListQuery::default()
    };
    assert_eq!(
        ids(&search_in(&store, "acme", &drafts).await),
        vec![campaign]
    );
    let decided = ListQuery {
        status: Some(AssignmentStatus::Decided),
        ..ListQuery::default()
    };
    assert_eq!(ids(&search_in(&store, "acme", &decided).await), vec![]);
    let one = ListQuery {
        limit: 1,
        offset: 1,
        ..ListQuery::default()
    };
    assert_eq!(
        ids(&search_in(&store, "acme", &one).await),
        vec![ids(&hits)[1]]
    );
}

#[tokio::test]
async fn bad_queries_are_typed_errors_that_change_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    apply(&store, transactions(), true).await;
    let refused = [
        ("\"card declined", QueryError::UnbalancedQuote),
        ("acme OR", QueryError::DanglingOr),
        ("*", QueryError::MisplacedWildcard("*".into())),
        (
            "patient:42",
            QueryError::UnknownFilter {
                name: "patient".into(),
                known: "brand, card, merchant".into(),
            },
        ),
    ];
    for (text, expected) in refused {
        match store.search(text, &fields(), &ListQuery::default()).await {
            Err(StoreError::Query(error)) => assert_eq!(error, expected, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert_eq!(store.count_assignments().await.expect("count"), 3);
    assert_eq!(search(&store, "acme").await.len(), 3);
}

#[tokio::test]
async fn search_follows_pull_draft_decide_undo_and_removal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let mut items = transactions();
    let card = items[0].item.id;
    apply(&store, items.clone(), true).await;

    // A pull that changes the title and the payload re-indexes the item.
    items[0].item.title = "Chargeback disputed".into();
    items[0].item.payload = json!({"merchant": {"name": "Initech"}, "card": {"last4": "4242"}});
    apply(&store, vec![items[0].clone()], false).await;
    assert_eq!(ids(&search(&store, "chargeback").await), vec![card]);
    assert_eq!(ids(&search(&store, "merchant:initech").await), vec![card]);
    assert_eq!(ids(&search(&store, "declined").await), vec![]);
    assert!(!ids(&search(&store, "acme").await).contains(&card));

    // The reviewer's notes: the draft's, then the decision's, gone again with an undo.
    let draft = Draft {
        note: Some("spoke to cardholder".into()),
        ..Draft::default()
    };
    store.save_draft(card, &draft, now()).await.expect("draft");
    assert_eq!(ids(&search(&store, "cardholder").await), vec![card]);
    let input = DecisionInput {
        note: Some("confirmed with issuer".into()),
        ..DecisionInput::new(Action::Approve)
    };
    store.decide(card, &input, now()).await.expect("decide");
    assert_eq!(ids(&search(&store, "cardholder").await), vec![]);
    assert_eq!(ids(&search(&store, "issuer").await), vec![card]);
    let decided = ListQuery {
        status: Some(AssignmentStatus::Decided),
        ..ListQuery::default()
    };
    assert_eq!(
        ids(&search_in(&store, "issuer", &decided).await),
        vec![card]
    );
    store.undo(card, now()).await.expect("undo");
    assert_eq!(ids(&search(&store, "issuer").await), vec![]);
    assert_eq!(ids(&search(&store, "chargeback").await), vec![card]);

    // Removed by a full pull that no longer holds it.
    apply(&store, items[1..].to_vec(), true).await;
    assert_eq!(ids(&search(&store, "chargeback").await), vec![]);
    assert_eq!(ids(&search(&store, "merchant:initech").await), vec![]);
    assert_eq!(search(&store, "acme").await.len(), 2);
}

/// Past `RANKED_MATCHES` matches, results come most recently received first (ranking them all would
/// cost more than a keystroke may take).
#[tokio::test]
async fn a_search_matching_very_many_lists_the_newest_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let older: Vec<Assignment> = (0..RANKED_MATCHES)
        .map(|n| {
            assignment(
                "transaction",
                &format!("Refund refund {n}"),
                json!({}),
                json!("x"),
            )
        })
        .collect();
    apply(&store, older, true).await;
    let newest = assignment("transaction", "Late refund", json!({}), json!("x"));
    let newest_id = newest.item.id;
    apply(&store, vec![newest], false).await;
    let first = ListQuery {
        limit: 1,
        ..ListQuery::default()
    };
    // Ranked, the title saying "refund" twice would come first; listed, the newest does.
    assert_eq!(
        ids(&search_in(&store, "refund", &first).await),
        vec![newest_id]
    );
    assert_eq!(search(&store, "refund").await.len(), 100);
    let all = store
        .search("refund", &fields(), &first)
        .await
        .expect("search");
    assert_eq!(all.total, RANKED_MATCHES + 1);
}
