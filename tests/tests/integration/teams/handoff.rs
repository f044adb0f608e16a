//! The shift hand-off note: a release may leave a note the next holder sees as `Item.handoff`,
//! kept across restarts until the item is decided or released again with a note.

use super::*;

on_both_backends!(a_release_note_reaches_the_next_holder,);

async fn a_release_note_reaches_the_next_holder(backend: Backend) {
    let db = TestDb::new(backend);
    let mut queue = Queue::start(&db, QueueOptions::default()).await;
    let producer = queue.user("bot", Role::Producer).await;
    let admin = queue.user("root", Role::Admin).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let ben = queue.user("ben", Role::Reviewer).await;
    let cleo = queue.user("cleo", Role::Reviewer).await;
    let submitted = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let item_path = format!("/v1/items/{}", submitted["id"].as_str().expect("id"));
    assert_eq!(submitted["handoff"], Value::Null);

    let note = "Called the cardholder; waiting for their reply.";
    let anas = assignments(&queue.pull(&ana, Uuid::now_v7(), None).await);
    let mut release = mutation(1, &anas[0], "release");
    release["note"] = json!(note);
    let released = queue.push(&ana, Uuid::now_v7(), &[release]).await;
    assert_eq!(released["results"][0]["status"], "applied", "{released}");

    let ben_client = Uuid::now_v7();
    let bens = assignments(&queue.pull(&ben, ben_client, None).await);
    assert_eq!(bens.len(), 1);
    let handoff = bens[0]["item"]["handoff"].clone();
    assert_eq!(handoff["by"], "ana");
    assert_eq!(handoff["note"], note);
    let read = queue.get(&item_path, &admin).await;
    assert_eq!(read.body["handoff"], handoff);

    queue.restart().await;
    assert_eq!(
        queue.get(&item_path, &admin).await.body["handoff"],
        handoff,
        "the note survives a restart"
    );

    // Too long a note is rejected and changes nothing: Ben still holds the item, Ana's note stays.
    let mut too_long = mutation(1, &bens[0], "release");
    too_long["note"] = json!("x".repeat(20_001));
    let refused = queue.push(&ben, ben_client, &[too_long]).await;
    assert_eq!(refused["results"][0]["status"], "rejected", "{refused}");
    assert_eq!(refused["results"][0]["code"], "invalid_mutation");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder = 'ben'")
            .await,
        1
    );
    assert_eq!(queue.get(&item_path, &admin).await.body["handoff"], handoff);

    // A release without a note keeps the last one for the next holder.
    let silent = queue
        .push(&ben, ben_client, &[mutation(2, &bens[0], "release")])
        .await;
    assert_eq!(silent["results"][0]["status"], "applied", "{silent}");
    let cleo_client = Uuid::now_v7();
    let cleos = assignments(&queue.pull(&cleo, cleo_client, None).await);
    assert_eq!(cleos.len(), 1);
    assert_eq!(cleos[0]["item"]["handoff"], handoff);

    // Decided: the note was for a next holder; there is none.
    let decided = queue
        .push(&cleo, cleo_client, &[mutation(1, &cleos[0], "approve")])
        .await;
    assert_eq!(decided["results"][0]["status"], "applied", "{decided}");
    assert_eq!(
        queue.get(&item_path, &admin).await.body["handoff"],
        Value::Null
    );

    // The audit entry of the release carries the note.
    let audit = queue
        .get(
            &format!(
                "/v1/audit?item_id={}",
                submitted["id"].as_str().unwrap_or("")
            ),
            &admin,
        )
        .await;
    let releases: Vec<&Value> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "release")
        .collect();
    assert_eq!(releases.len(), 2);
    assert_eq!(releases[0]["actor"], "ana");
    assert_eq!(releases[0]["data"]["note"], note);
    assert_eq!(releases[1]["data"]["note"], Value::Null);
}
