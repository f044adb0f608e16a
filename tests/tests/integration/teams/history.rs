//! `GET /v1/items/{id}/history`: the item's story for its holder, a former holder, the seniors of
//! its team and admins; a senior of another team, a reviewer who never held it and an unknown id get
//! the same 404, a producer 403. The story of an item routed, granted, released, granted again,
//! met by a late opinion and decided lists each of those entries, typed, in order.

use super::*;

on_both_backends!(an_items_story_is_told_to_those_who_may_ask_about_it,);

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
