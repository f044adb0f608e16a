//! Server-sent wake-ups follow teams: work of a team wakes only those who may take it (its members
//! for review, its seniors for escalations); work of no team wakes the whole audience. Over real
//! HTTP, through PostgreSQL NOTIFY on that back end.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;

use super::*;

on_both_backends!(escalations_wake_only_the_teams_seniors,);

/// How long an event that should come may take, and how long one that should not is waited for
/// (after the one that should came). Neither is a measured speed.
const ARRIVES_WITHIN: Duration = Duration::from_secs(10);
const ABSENT_FOR: Duration = Duration::from_secs(1);

/// Opens `GET /v1/events` for `token`; each `assignments` event arrives as one message.
async fn listen(queue: &Queue, token: &str) -> mpsc::UnboundedReceiver<()> {
    let response = queue
        .http()
        .get(format!("{}/v1/events", queue.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("events stream");
    assert_eq!(response.status(), 200);
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = response.bytes_stream();
        let (mut text, mut seen) = (String::new(), 0);
        while let Some(Ok(chunk)) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            let count = text.matches("event: assignments").count();
            for _ in seen..count {
                if sender.send(()).is_err() {
                    return;
                }
            }
            seen = count;
        }
    });
    receiver
}

async fn arrives(events: &mut mpsc::UnboundedReceiver<()>, what: &str) {
    let received = tokio::time::timeout(ARRIVES_WITHIN, events.recv()).await;
    assert_eq!(received, Ok(Some(())), "{what}");
}

async fn stays_away(events: &mut mpsc::UnboundedReceiver<()>, what: &str) {
    let received = tokio::time::timeout(ABSENT_FOR, events.recv()).await;
    assert!(received.is_err(), "{what}: {received:?}");
}

const EVENTS_POLICY: &str = r#"
[[rules]]
name = "fraud-review"
kinds = ["transaction"]
route = "review"
team = "fraud"

[[rules]]
name = "everyone-escalation"
route = "escalation"
"#;

async fn escalations_wake_only_the_teams_seniors(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy: policy(EVENTS_POLICY),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let rita = member(&queue, "rita", Role::Reviewer, &["fraud"]).await;
    let sam = member(&queue, "sam", Role::Senior, &["fraud"]).await;
    let cora = member(&queue, "cora", Role::Senior, &["clinical"]).await;
    let mut sams = listen(&queue, &sam).await;
    let mut coras = listen(&queue, &cora).await;
    // The event on connect: from here on each stream hears every announcement.
    arrives(&mut sams, "Sam's event on connect").await;
    arrives(&mut coras, "Cora's event on connect").await;

    // Fraud review work: Sam (a senior reviews too) hears of it, Cora does not.
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    arrives(&mut sams, "fraud review work for a fraud senior").await;
    stays_away(&mut coras, "fraud review work for a clinical senior").await;

    // Rita escalates it: the fraud seniors are woken, not the clinical one.
    let client = Uuid::now_v7();
    let held = assignments(&queue.pull(&rita, client, None).await);
    assert_eq!(held.len(), 1);
    let escalated = queue
        .push(&rita, client, &[mutation(1, &held[0], "escalate")])
        .await;
    assert_eq!(escalated["results"][0]["status"], "applied", "{escalated}");
    arrives(&mut sams, "a fraud escalation for a fraud senior").await;
    stays_away(&mut coras, "a fraud escalation for a clinical senior").await;

    // An escalation of no team wakes every senior: Cora's stream was listening all along.
    queue
        .submit(&producer, &item("c-1", "clinical_suggestion", 0.7, "high"))
        .await;
    arrives(&mut coras, "an escalation of no team for any senior").await;
    arrives(&mut sams, "an escalation of no team for any senior").await;
    stays_away(&mut coras, "nothing else for the clinical senior").await;
}
