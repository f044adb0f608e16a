//! Server-sent wake-ups follow teams: work of a team wakes only those who may take it (its members
//! for review, its seniors for escalations); work of no team wakes the whole audience. An escalation
//! also names its item (`escalation` event) to those seniors only. Over real HTTP, through
//! PostgreSQL NOTIFY on that back end.

use std::time::Duration;

use countersign_client::remote::{QueueClient, Token};
use countersign_domain::{EscalationNotice, EventName};
use tokio::sync::mpsc;

use super::*;

on_both_backends!(escalations_wake_only_the_teams_seniors,);

/// How long an event that should come may take, and how long one that should not is waited for
/// (after the one that should came). Neither is a measured speed.
const ARRIVES_WITHIN: Duration = Duration::from_secs(10);
const ABSENT_FOR: Duration = Duration::from_secs(1);

/// What a stream heard: `assignments` wake-ups, and the items `escalation` events named.
struct Heard {
    wake_ups: mpsc::UnboundedReceiver<()>,
    escalations: mpsc::UnboundedReceiver<EscalationNotice>,
}

/// Opens `GET /v1/events` for `token` with the desktop core's client.
async fn listen(queue: &Queue, token: &str) -> Heard {
    let remote = QueueClient::new(&queue.url, Token::new(token.to_owned())).expect("client");
    let mut stream = remote.events().await.expect("events stream");
    let (wake_ups, wake_ups_heard) = mpsc::unbounded_channel();
    let (escalations, escalations_heard) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(event)) = stream.next().await {
            let sent = match event.known_name() {
                Some(EventName::Assignments) => wake_ups.send(()).is_ok(),
                Some(EventName::Escalation) => {
                    let notice = serde_json::from_str(&event.data).expect("an escalation notice");
                    escalations.send(notice).is_ok()
                }
                other => panic!("a reviewer or senior got {other:?}: {event:?}"),
            };
            if !sent {
                return;
            }
        }
    });
    Heard {
        wake_ups: wake_ups_heard,
        escalations: escalations_heard,
    }
}

async fn arrives(heard: &mut Heard, what: &str) {
    let received = tokio::time::timeout(ARRIVES_WITHIN, heard.wake_ups.recv()).await;
    assert_eq!(received, Ok(Some(())), "{what}");
}

async fn stays_away(heard: &mut Heard, what: &str) {
    let received = tokio::time::timeout(ABSENT_FOR, heard.wake_ups.recv()).await;
    assert!(received.is_err(), "{what}: {received:?}");
    let named = heard.escalations.try_recv();
    assert!(named.is_err(), "{what}: {named:?}");
}

/// The `escalation` event heard names `item` (as the queue answered its submission), with its
/// title, kind and team.
async fn names(heard: &mut Heard, item: &Value, what: &str) {
    let notice = tokio::time::timeout(ARRIVES_WITHIN, heard.escalations.recv())
        .await
        .unwrap_or_else(|_| panic!("{what}: no escalation event"))
        .expect("the stream is open");
    assert_eq!(notice.item_id.to_string(), item["id"], "{what}");
    assert_eq!(notice.title, item["title"], "{what}");
    assert_eq!(notice.kind, item["kind"], "{what}");
    assert_eq!(json!(notice.team), item["team"], "{what}");
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
    let fraud_work = queue
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
    names(
        &mut sams,
        &fraud_work,
        "a fraud escalation for a fraud senior",
    )
    .await;
    arrives(&mut sams, "a fraud escalation for a fraud senior").await;
    stays_away(&mut coras, "a fraud escalation for a clinical senior").await;

    // An escalation of no team wakes every senior: Cora's stream was listening all along.
    let no_team_escalation = queue
        .submit(&producer, &item("c-1", "clinical_suggestion", 0.7, "high"))
        .await;
    names(
        &mut coras,
        &no_team_escalation,
        "an escalation of no team for any senior",
    )
    .await;
    arrives(&mut coras, "an escalation of no team for any senior").await;
    names(
        &mut sams,
        &no_team_escalation,
        "an escalation of no team for any senior",
    )
    .await;
    arrives(&mut sams, "an escalation of no team for any senior").await;
    stays_away(&mut coras, "nothing else for the clinical senior").await;
}
