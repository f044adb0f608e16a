//! Comments (docs/protocol.md, "Comments"): a `comment` mutation through the push, applied exactly
//! once (a resent push, and a push whose answer was lost, store it once); not fenced by the lease,
//! and changing neither the item nor its lease; by whoever may read the item's history and nobody
//! else; at most 4,000 characters; `@name` tells that person (a `mention` event) when they may read
//! the history too; every comment is in the history.

use std::time::Duration;

use countersign_client::remote::{QueueClient, Token};
use countersign_domain::{EventName, MentionNotice};
use countersign_testkit::Proxy;
use tokio::sync::mpsc;

use super::*;

on_both_backends!(comments_are_stored_once_for_those_who_may_read_the_story,);

/// How long an event that should come may take, and how long one that should not is waited for.
/// Neither is a measured speed.
const ARRIVES_WITHIN: Duration = Duration::from_secs(10);
const ABSENT_FOR: Duration = Duration::from_secs(1);

/// Opens `GET /v1/events` for `token` and hands on the `mention` notices it hears.
async fn mentions_heard(queue: &Queue, token: &str) -> mpsc::UnboundedReceiver<MentionNotice> {
    let remote = QueueClient::new(&queue.url, Token::new(token.to_owned())).expect("client");
    let mut stream = remote.events().await.expect("events stream");
    let (sender, heard) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(event)) = stream.next().await {
            if event.known_name() == Some(EventName::Mention) {
                let notice = serde_json::from_str(&event.data).expect("a mention notice");
                if sender.send(notice).is_err() {
                    return;
                }
            }
        }
    });
    heard
}

fn comment(id: u64, assignment: &Value, text: &str) -> Value {
    let mut comment = mutation(id, assignment, "comment");
    comment["note"] = json!(text);
    comment
}

async fn comments_are_stored_once_for_those_who_may_read_the_story(backend: Backend) {
    let FraudStory {
        queue,
        _db,
        admin,
        ana,
        cleo,
        sara,
        sid,
        id,
        ..
    } = FraudStory::start(backend, "c-1").await;
    let ana_client = Uuid::now_v7();
    let anas = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(anas.len(), 1, "ana holds the item");
    let stored = |extra: &str| {
        format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'comment' AND item_id = '{id}'{extra}"
        )
    };

    let mut sara_hears = mentions_heard(&queue, &sara).await;
    let mut sid_hears = mentions_heard(&queue, &sid).await;
    let text = "@sara is this the same card as last week? (@sid @nobody @ana)";
    let first = comment(1, &anas[0], text);
    let pushed = queue
        .push(&ana, ana_client, std::slice::from_ref(&first))
        .await;
    assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
    let notice = tokio::time::timeout(ARRIVES_WITHIN, sara_hears.recv())
        .await
        .expect("sara is told")
        .expect("the stream is open");
    assert_eq!(notice.item_id.to_string(), id);
    assert_eq!((notice.by.as_str(), notice.excerpt.as_str()), ("ana", text));
    assert_eq!(notice.team.as_deref(), Some("fraud"));
    assert!(
        tokio::time::timeout(ABSENT_FOR, sid_hears.recv())
            .await
            .is_err(),
        "a senior of another team may not read the story and is not told"
    );

    // The same push again (the answer was lost): the stored answer, nothing stored twice.
    let again = queue.push(&ana, ana_client, &[first]).await;
    assert_eq!(again["results"], pushed["results"], "{again}");
    assert_eq!(queue.count(&stored("")).await, 1);

    // A push whose answer the network loses after the queue committed it, then resent.
    let proxy = Proxy::start(Some(queue.addr())).await;
    proxy.lose_next_push_response(true);
    let second = comment(
        2,
        &anas[0],
        "second thought: the amount matches the usual rent",
    );
    let lost = countersign_testkit::http_client()
        .post(format!("{}/v1/sync/push", proxy.url()))
        .bearer_auth(&ana)
        .json(&json!({"client_id": ana_client, "mutations": [second.clone()]}))
        .send()
        .await;
    assert!(lost.is_err(), "the answer was lost: {lost:?}");
    assert_eq!(
        queue.count(&stored("")).await,
        2,
        "the lost push was applied"
    );
    let resent = queue.push(&ana, ana_client, &[second]).await;
    assert_eq!(resent["results"][0]["status"], "applied", "{resent}");
    assert_eq!(queue.count(&stored("")).await, 2);

    // Too long, or by someone who may not read the story: rejected, nothing stored.
    let too_long = queue
        .push(&ana, ana_client, &[comment(3, &anas[0], &"x".repeat(4001))])
        .await;
    assert_eq!(too_long["results"][0]["status"], "rejected", "{too_long}");
    assert_eq!(too_long["results"][0]["code"], "comment_too_long");
    let cleo_client = Uuid::now_v7();
    let stranger = queue
        .push(&cleo, cleo_client, &[comment(1, &anas[0], "let me see")])
        .await;
    assert_eq!(
        (
            &stranger["results"][0]["status"],
            &stranger["results"][0]["code"]
        ),
        (&json!("rejected"), &json!("forbidden")),
        "{stranger}"
    );
    assert_eq!(queue.count(&stored("")).await, 2);

    // A senior of the team comments without holding it; the item and ana's lease are untouched.
    let sara_client = Uuid::now_v7();
    let reply = queue
        .push(
            &sara,
            sara_client,
            &[comment(1, &anas[0], "@ana yes: approve it")],
        )
        .await;
    assert_eq!(reply["results"][0]["status"], "applied", "{reply}");
    assert_eq!(queue.count(&stored(" AND actor = 'sara'")).await, 1);
    let approved = queue
        .push(&ana, ana_client, &[mutation(4, &anas[0], "approve")])
        .await;
    assert_eq!(approved["results"][0]["status"], "applied", "{approved}");
    let item = queue.get(&format!("/v1/items/{id}"), &admin).await.body;
    let decisions = item["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 1, "a comment is not a decision: {item}");

    // The story holds the comments, in order, with whom each told.
    let story = queue
        .get(&format!("/v1/items/{id}/history"), &sara)
        .await
        .body;
    let comments: Vec<(&str, &str, Value)> = story["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "comment")
        .map(|entry| {
            (
                entry["actor"].as_str().expect("an actor"),
                entry["data"]["note"].as_str().expect("a text"),
                entry["data"]["mentions"].clone(),
            )
        })
        .collect();
    assert_eq!(
        comments,
        vec![
            ("ana", text, json!(["sara"])),
            (
                "ana",
                "second thought: the amount matches the usual rent",
                json!([])
            ),
            ("sara", "@ana yes: approve it", json!(["ana"])),
        ]
    );
}
