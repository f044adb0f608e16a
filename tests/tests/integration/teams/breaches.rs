//! Deadlines that act: on_breach escalate and timeout_reject, and a decision made offline in time.

use super::*;

on_both_backends!(
    breach_escalates,
    breach_times_out_and_a_late_decision_conflicts,
    a_decision_made_offline_before_the_deadline_stands,
);

async fn breach_escalates(backend: Backend) {
    let (_db, queue, clock) = breach_queue(backend).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let sam = queue.user("sam", Role::Senior).await;
    let submitted = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let due = time(&submitted["due_at"]);
    assert_eq!(
        (due - clock.now() + chrono::Duration::milliseconds(1)).num_minutes(),
        60,
        "due_in"
    );
    assert_eq!(
        due - time(&submitted["warn_at"]),
        chrono::Duration::minutes(15)
    );
    let client = Uuid::now_v7();
    let first = queue.pull(&ana, client, None).await;
    assert_eq!(assignments(&first).len(), 1);

    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        0
    );
    clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        0,
        "on_breach runs once"
    );
    let second = queue.pull(&ana, client, first["cursor"].as_str()).await;
    assert_eq!(second["removed"][0]["item_id"], submitted["id"]);
    assert_eq!(second["removed"][0]["reason"], "reassigned");
    let seniors = assignments(&queue.pull(&sam, Uuid::now_v7(), None).await);
    assert_eq!(seniors.len(), 1);
    assert_eq!(seniors[0]["stage"], "escalation");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE actor = 'system:deadline' AND action = 'escalate'")
            .await,
        1
    );
}

async fn breach_times_out_and_a_late_decision_conflicts(backend: Backend) {
    let (_db, queue, clock) = breach_queue(backend).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let mut draft = item("d-1", "content_draft", 0.7, "medium");
    draft["callback_url"] = json!("http://127.0.0.1:9/hook");
    let submitted = queue.submit(&producer, &draft).await;
    let due = time(&submitted["due_at"]);
    let client = Uuid::now_v7();
    let first = queue.pull(&ana, client, None).await;
    let held = assignments(&first);
    assert_eq!(held.len(), 1);

    clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        1
    );
    let decided = queue
        .count("SELECT COUNT(*) FROM items WHERE status = 'decided' AND outcome = 'rejected'")
        .await;
    assert_eq!(decided, 1);
    assert_eq!(
        queue
            .count(
                "SELECT COUNT(*) FROM decisions WHERE by_user = 'system:timeout' \
                 AND action = 'reject' AND reason_code = 'timeout'"
            )
            .await,
        1
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM webhook_outbox").await, 1);
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE actor = 'system:timeout' AND action = 'decide'")
            .await,
        1
    );
    let second = queue.pull(&ana, client, first["cursor"].as_str()).await;
    assert_eq!(second["removed"][0]["item_id"], submitted["id"]);
    assert_eq!(second["removed"][0]["reason"], "timed_out");

    // Decided after the deadline: the timeout stands, the decision is answered and audited.
    let mut late = mutation(1, &held[0], "approve");
    late["client_time"] = json!(due + chrono::Duration::minutes(1));
    let pushed = queue.push(&ana, client, &[late]).await;
    assert_eq!(pushed["results"][0]["status"], "conflict");
    assert_eq!(pushed["results"][0]["code"], "timed_out");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE outcome = 'rejected'")
            .await,
        1
    );
    assert_eq!(queue.count("SELECT COUNT(*) FROM webhook_outbox").await, 1);
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'conflict'")
            .await,
        1
    );
}

async fn a_decision_made_offline_before_the_deadline_stands(backend: Backend) {
    let (_db, queue, clock) = breach_queue(backend).await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let mut draft = item("d-1", "content_draft", 0.7, "medium");
    draft["callback_url"] = json!("http://127.0.0.1:9/hook");
    let submitted = queue.submit(&producer, &draft).await;
    let due = time(&submitted["due_at"]);
    let (laptop, phone) = (Uuid::now_v7(), Uuid::now_v7());
    let held = assignments(&queue.pull(&ana, laptop, None).await);
    // The phone has the same lease (same user) and will try too.
    let on_phone = assignments(&queue.pull(&ana, phone, None).await);
    assert_eq!(on_phone[0]["lease"]["id"], held[0]["lease"]["id"]);

    // Approved offline ten minutes before the deadline; the upload comes after the timeout.
    let mut in_time = mutation(1, &held[0], "approve_with_edits");
    in_time["client_time"] = json!(due - chrono::Duration::minutes(10));
    clock.advance(chrono::Duration::minutes(90));
    assert_eq!(
        deadlines::sweep_breaches(queue.state())
            .await
            .expect("sweep"),
        1
    );
    let pushed = queue.push(&ana, laptop, &[in_time]).await;
    assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE status = 'decided' AND outcome = 'approved_with_edits'")
            .await,
        1,
        "the person's decision is the outcome"
    );
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM decisions WHERE by_user IN ('system:timeout', 'ana')")
            .await,
        2,
        "both are in the history"
    );
    assert_eq!(
        queue.count("SELECT COUNT(*) FROM webhook_outbox").await,
        2,
        "the producer hears the final outcome"
    );

    // No second outcome: another in-time decision on the same lease is decided elsewhere.
    let mut again = mutation(1, &on_phone[0], "reject");
    again["client_time"] = json!(due - chrono::Duration::minutes(5));
    let pushed = queue.push(&ana, phone, &[again]).await;
    assert_eq!(pushed["results"][0]["status"], "conflict");
    assert_eq!(pushed["results"][0]["code"], "decided_elsewhere");
    assert_eq!(queue.count("SELECT COUNT(*) FROM webhook_outbox").await, 2);
}
