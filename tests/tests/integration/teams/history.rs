//! `GET /v1/items/{id}/history`: the item's story for its holder, a former holder, the seniors of
//! its team and admins; a senior of another team, a reviewer who never held it and an unknown id get
//! the same 404, a producer 403. The story of an item routed, granted, released, granted again,
//! met by a late opinion and decided lists each of those entries, typed, in order.

use chrono::SubsecRound;

use super::*;

on_both_backends!(
    an_items_story_is_told_to_those_who_may_ask_about_it,
    renewals_are_in_the_story_at_most_once_per_half_term,
);

async fn an_items_story_is_told_to_those_who_may_ask_about_it(backend: Backend) {
    let FraudStory {
        queue,
        _db,
        admin,
        producer,
        ana,
        ben,
        cleo,
        sara,
        sid,
        id,
    } = FraudStory::start(backend, "h-1").await;
    let path = format!("/v1/items/{id}/history");

    // Ana takes it and gives it back; Ben takes it; Ana's late approval is a conflict; Ben decides.
    let ana_client = Uuid::now_v7();
    let anas = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(anas.len(), 1, "ana holds the item");
    let released = queue
        .push(&ana, ana_client, &[mutation(1, &anas[0], "release")])
        .await;
    assert_eq!(released["results"][0]["status"], "applied", "{released}");
    let ben_client = Uuid::now_v7();
    let bens = assignments(&queue.pull(&ben, ben_client, None).await);
    assert_eq!(bens.len(), 1, "ben holds the item");
    let late = queue
        .push(&ana, ana_client, &[mutation(2, &anas[0], "approve")])
        .await;
    assert_eq!(late["results"][0]["status"], "conflict", "{late}");

    // While Ben holds it: who may read the story.
    let matrix: Vec<(&str, &str, u16)> = vec![
        ("holder", &ben, 200),
        ("former holder", &ana, 200),
        ("senior of the team", &sara, 200),
        ("senior of another team", &sid, 404),
        ("admin", &admin, 200),
        ("reviewer who never held it", &cleo, 404),
        ("producer", &producer, 403),
    ];
    for (who, token, status) in &matrix {
        let reply = queue.get(&path, token).await;
        assert_eq!(reply.status, *status, "{who}: {reply:?}");
        if *status == 404 {
            assert_eq!(reply.code(), "not_found", "{who}");
        }
    }
    let unknown = queue
        .get(&format!("/v1/items/{}/history", Uuid::now_v7()), &admin)
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "not_found"));

    let decided = queue
        .push(&ben, ben_client, &[mutation(1, &bens[0], "approve")])
        .await;
    assert_eq!(decided["results"][0]["status"], "applied", "{decided}");

    // After the decision the holders may still read it; the story, in order.
    for (who, token) in [
        ("former holder", &ana),
        ("last holder", &ben),
        ("senior", &sara),
    ] {
        assert_eq!(queue.get(&path, token).await.status, 200, "{who}");
    }
    let story = queue.get(&path, &ben).await.body;
    assert_eq!(story["item_id"], id.as_str());
    let entries = story["entries"].as_array().expect("entries");
    let told: Vec<(&str, &str)> = entries
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().expect("an action"),
                entry["actor"].as_str().expect("an actor"),
            )
        })
        .collect();
    assert_eq!(
        told,
        vec![
            ("submit", "bot"),
            ("route", "policy"),
            ("assign", "ana"),
            ("release", "ana"),
            ("assign", "ben"),
            ("conflict", "ana"),
            ("decide", "ben"),
        ],
        "{story}"
    );
    let route = &entries[1]["data"];
    assert_eq!(route["team"], "fraud");
    assert!(
        route["rule"].as_str().is_some_and(|rule| !rule.is_empty()),
        "the route names its rule: {route}"
    );
    assert_eq!(entries[5]["data"]["code"], "reassigned");
    assert_eq!(entries[6]["data"]["outcome"], "approved");
    let seqs: Vec<i64> = entries
        .iter()
        .map(|entry| entry["seq"].as_i64().expect("a seq"))
        .collect();
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]), "{seqs:?}");
    // The same entries as the admin's audit log for the item.
    let audit = queue
        .get(&format!("/v1/audit?item_id={id}"), &admin)
        .await
        .body;
    let audit_seqs: Vec<i64> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["seq"].as_i64().expect("a seq"))
        .collect();
    assert_eq!(seqs, audit_seqs);
}

/// Ten-minute leases renewed however often, so a test clock can walk through terms.
const SHORT_LEASES: &str = r#"
lease_seconds = 600
max_unopened_renewals = 100

[[rules]]
name = "review-payments"
kinds = ["transaction"]
route = "review"
"#;

async fn renewals_are_in_the_story_at_most_once_per_half_term(backend: Backend) {
    let (_db, queue, clock) = clocked_queue(backend, SHORT_LEASES).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let submitted = queue
        .submit(&producer, &item("r-1", "transaction", 0.7, "medium"))
        .await;
    let id = submitted["id"].as_str().expect("an id");
    let client = Uuid::now_v7();
    let mut cursor = queue.pull(&ana, client, None).await["cursor"].clone();
    // A pull every two minutes for 14 minutes: each renews the lease (a lease renewed within the
    // last minute is not), and the story lists the first renewal, then none until half a term
    // (5 minutes) has passed since the last one listed: minutes 2, 8 and 14.
    let mut audited_at = Vec::new();
    for minute in (2..=14).step_by(2) {
        clock.advance(chrono::Duration::minutes(2));
        let pulled = queue.pull(&ana, client, cursor.as_str()).await;
        assert_eq!(assignments(&pulled).len(), 1, "minute {minute}: {pulled}");
        cursor = pulled["cursor"].clone();
        if [2, 8, 14].contains(&minute) {
            // The audit log keeps microseconds.
            audited_at.push((clock.now() + chrono::Duration::minutes(10)).trunc_subsecs(6));
        }
    }
    let story = queue
        .get(&format!("/v1/items/{id}/history"), &ana)
        .await
        .body;
    let entries = story["entries"].as_array().expect("entries");
    let actions: Vec<&str> = entries
        .iter()
        .map(|entry| entry["action"].as_str().expect("an action"))
        .collect();
    assert_eq!(
        actions,
        ["submit", "route", "assign", "renew", "renew", "renew"],
        "{story}"
    );
    let renewals: Vec<DateTime<Utc>> = entries[3..]
        .iter()
        .map(|entry| {
            assert_eq!(entry["actor"], "ana");
            assert_eq!(entry["data"]["epoch"], entries[2]["data"]["epoch"]);
            time(&entry["data"]["expires_at"])
        })
        .collect();
    assert_eq!(renewals, audited_at);
}
