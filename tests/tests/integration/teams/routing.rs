//! Who gets the work: team membership, escalations beyond the prefetch target, the release
//! cool-down (in grants and in the sweeper), claim order by deadline, reclaiming expired leases
//! within the team.

use super::*;

on_both_backends!(
    members_only_ever_hold_their_teams_work,
    an_escalation_reaches_a_senior_holding_the_prefetch_target,
    the_releaser_waits_while_another_member_pulls,
    claims_keep_the_earliest_deadline_first,
    expired_leases_are_reclaimed_only_for_the_team,
    the_sweeper_reclaims_for_a_releaser_only_after_the_cool_down,
);

async fn members_only_ever_hold_their_teams_work(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy: Policy::demo(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let people: Vec<(&str, Role, Vec<&str>)> = vec![
        ("fiona", Role::Reviewer, vec!["fraud"]),
        ("ed", Role::Reviewer, vec!["editorial"]),
        ("cleo", Role::Reviewer, vec!["clinical"]),
        ("mo", Role::Reviewer, vec!["fraud", "clinical"]),
        ("sara", Role::Senior, vec!["fraud"]),
        ("sid", Role::Senior, vec!["editorial", "clinical"]),
        ("nobody", Role::Reviewer, vec![]),
    ];
    let mut tokens = Vec::new();
    // Each signs their approvals: the demo policy requires it for clinical suggestions.
    let mut keys = Vec::new();
    for (index, (name, role, member_of)) in people.iter().enumerate() {
        let token = member(&queue, name, *role, member_of).await;
        keys.push(crate::signatures::enrolled(&queue, &token, index as u8 + 1).await);
        tokens.push((*name, token, member_of.clone()));
    }
    let kinds = [
        "transaction",
        "content_draft",
        "clinical_suggestion",
        "other",
    ];
    let risks = [("medium", 0.7), ("high", 0.9), ("low", 0.3)];
    for n in 0..60 {
        let (risk, confidence) = risks[n % risks.len()];
        let kind = kinds[(n / 3) % kinds.len()];
        queue
            .submit(&producer, &item(&format!("i-{n}"), kind, confidence, risk))
            .await;
    }
    // A seeded walk: someone pulls, then decides, releases or keeps one of their items.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let clients: Vec<Uuid> = tokens.iter().map(|_| Uuid::now_v7()).collect();
    let mut mutation_ids = vec![0u64; tokens.len()];
    let mut held_by_other_team = 0;
    for _ in 0..80 {
        let who = (next() % tokens.len() as u64) as usize;
        let (name, token, member_of) = &tokens[who];
        let pulled = queue.pull(token, clients[who], None).await;
        let held = assignments(&pulled);
        for assignment in &held {
            let team = assignment["item"]["team"].as_str();
            assert_eq!(
                team,
                team_of_kind(assignment["item"]["kind"].as_str().unwrap_or("")),
                "the item records its rule's team"
            );
            if team.is_some_and(|team| !member_of.contains(&team)) {
                held_by_other_team += 1;
            }
        }
        assert_eq!(
            held_by_other_team, 0,
            "{name} was given another team's item"
        );
        if let Some(assignment) = held.get((next() % 4) as usize) {
            let action = ["approve", "release", "reject"][(next() % 3) as usize];
            mutation_ids[who] += 1;
            let pushed = queue
                .push(
                    token,
                    clients[who],
                    &[crate::signatures::signed_when_required(
                        mutation(mutation_ids[who], assignment, action),
                        assignment,
                        &keys[who],
                        name,
                    )],
                )
                .await;
            assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
        }
    }
    // And in the database, whatever the walk did: no holder outside the item's team.
    assert_eq!(
        queue
            .count(
                "SELECT COUNT(*) FROM items i WHERE i.holder IS NOT NULL AND i.team IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM user_teams m \
                 WHERE m.user_name = i.holder AND m.team = i.team)"
            )
            .await,
        0
    );
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder = 'nobody' AND team IS NOT NULL")
            .await,
        0
    );
}

async fn an_escalation_reaches_a_senior_holding_the_prefetch_target(backend: Backend) {
    let db = TestDb::new(backend);
    let mut policy = Policy::demo();
    policy.prefetch = 3;
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy,
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let fraud_senior = member(&queue, "sara", Role::Senior, &["fraud"]).await;
    let clinical_senior = member(&queue, "sid", Role::Senior, &["clinical"]).await;
    for n in 0..4 {
        queue
            .submit(
                &producer,
                &item(&format!("t-{n}"), "transaction", 0.7, "medium"),
            )
            .await;
        queue
            .submit(
                &producer,
                &item(&format!("c-{n}"), "clinical_suggestion", 0.7, "medium"),
            )
            .await;
    }
    let (sara, sid) = (Uuid::now_v7(), Uuid::now_v7());
    let first = queue.pull(&fraud_senior, sara, None).await;
    assert_eq!(
        assignments(&first).len(),
        3,
        "sara holds the prefetch target"
    );
    assert_eq!(
        assignments(&queue.pull(&clinical_senior, sid, None).await).len(),
        3
    );

    let escalated = queue
        .submit(&producer, &item("t-risky", "transaction", 0.9, "high"))
        .await;
    assert_eq!(escalated["route"], "escalation");
    assert_eq!(escalated["team"], "fraud");
    // The clinical senior is not the fraud team's: nothing for them, busy or not.
    let sid_again = queue.pull(&clinical_senior, sid, None).await;
    assert!(
        assignments(&sid_again)
            .iter()
            .all(|a| a["item"]["id"] != escalated["id"])
    );
    let again = queue.pull(&fraud_senior, sara, None).await;
    let held = assignments(&again);
    assert_eq!(held.len(), 4, "beyond the prefetch target");
    let escalation = held
        .iter()
        .find(|a| a["item"]["id"] == escalated["id"])
        .expect("the escalation reached the busy senior");
    assert_eq!(escalation["stage"], "escalation");
}

async fn the_releaser_waits_while_another_member_pulls(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let ben = queue.user("ben", Role::Reviewer).await;
    let submitted = queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let (ana_client, ben_client) = (Uuid::now_v7(), Uuid::now_v7());

    // Alone, a releaser gets the item back: nobody else could take it.
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 1);
    queue
        .push(&ana, ana_client, &[mutation(1, &held[0], "release")])
        .await;
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 1, "no one else eligible: back to the releaser");

    // With ben active, ana's release goes to ben, not back to ana.
    assert!(assignments(&queue.pull(&ben, ben_client, None).await).is_empty());
    queue
        .push(&ana, ana_client, &[mutation(2, &held[0], "release")])
        .await;
    clock.advance(chrono::Duration::minutes(1));
    assert!(
        assignments(&queue.pull(&ana, ana_client, None).await).is_empty(),
        "the releaser does not get it back during the cool-down"
    );
    let bens = assignments(&queue.pull(&ben, ben_client, None).await);
    assert_eq!(bens.len(), 1);
    assert_eq!(bens[0]["item"]["id"], submitted["id"]);
}

async fn claims_keep_the_earliest_deadline_first(backend: Backend) {
    let db = TestDb::new(backend);
    let queue = Queue::start(
        &db,
        QueueOptions {
            policy: policy("prefetch = 1\n[[rules]]\nname = \"r\"\nroute = \"review\""),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let now = SystemClock.now();
    let mut late = item("late", "transaction", 0.7, "medium");
    late["due_at"] = json!(now + chrono::Duration::hours(5));
    let mut soon = item("soon", "transaction", 0.7, "medium");
    soon["due_at"] = json!(now + chrono::Duration::hours(1));
    let undated = item("undated", "transaction", 0.7, "medium");
    let mut urgent = item("urgent", "transaction", 0.7, "medium");
    urgent["priority"] = json!(90);
    for submission in [&undated, &late, &soon, &urgent] {
        queue.submit(&producer, submission).await;
    }
    let mut order = Vec::new();
    let client = Uuid::now_v7();
    for id in 1..=4 {
        let held = assignments(&queue.pull(&ana, client, None).await);
        assert_eq!(held.len(), 1);
        order.push(
            held[0]["item"]["external_id"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        );
        queue
            .push(&ana, client, &[mutation(id, &held[0], "approve")])
            .await;
    }
    assert_eq!(order, ["urgent", "soon", "late", "undated"]);
}

async fn expired_leases_are_reclaimed_only_for_the_team(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let mut policy = Policy::demo();
    policy.lease_seconds = 60;
    let queue = start_with_teams(
        &db,
        QueueOptions {
            policy,
            clock: clock.clone(),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let fiona = member(&queue, "fiona", Role::Reviewer, &["fraud"]).await;
    let cleo = member(&queue, "cleo", Role::Reviewer, &["clinical"]).await;
    let fred = member(&queue, "fred", Role::Reviewer, &["fraud"]).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    assert_eq!(
        assignments(&queue.pull(&fiona, Uuid::now_v7(), None).await).len(),
        1
    );
    clock.advance(chrono::Duration::minutes(2));
    assert!(assignments(&queue.pull(&cleo, Uuid::now_v7(), None).await).is_empty());
    let sweep = || countersign_queue::leases::sweep_expired(queue.state());
    assert_eq!(
        sweep().await.expect("sweep"),
        0,
        "a waiting member of another team does not take fraud work"
    );
    let fred_client = Uuid::now_v7();
    assert!(assignments(&queue.pull(&fred, fred_client, None).await).is_empty());
    assert_eq!(
        sweep().await.expect("sweep"),
        1,
        "a waiting fraud member does"
    );
    assert_eq!(
        assignments(&queue.pull(&fred, fred_client, None).await).len(),
        1
    );
}

async fn the_sweeper_reclaims_for_a_releaser_only_after_the_cool_down(backend: Backend) {
    let db = TestDb::new(backend);
    let clock = ManualClock::new(SystemClock.now());
    let queue = Queue::start(
        &db,
        QueueOptions {
            clock: clock.clone(),
            policy: policy("lease_seconds = 60\nrelease_cooldown = \"30m\""),
            ..Default::default()
        },
    )
    .await;
    let producer = queue.user("bot", Role::Producer).await;
    let ana = queue.user("ana", Role::Reviewer).await;
    let ben = queue.user("ben", Role::Reviewer).await;
    let cara = queue.user("cara", Role::Reviewer).await;
    queue
        .submit(&producer, &item("t-1", "transaction", 0.7, "medium"))
        .await;
    let (ana_client, ben_client) = (Uuid::now_v7(), Uuid::now_v7());
    let held = assignments(&queue.pull(&ana, ana_client, None).await);
    assert_eq!(held.len(), 1);
    assert!(assignments(&queue.pull(&ben, ben_client, None).await).is_empty());
    let released = queue
        .push(&ana, ana_client, &[mutation(1, &held[0], "release")])
        .await;
    assert_eq!(released["results"][0]["status"], "applied", "{released}");
    assert_eq!(
        assignments(&queue.pull(&ben, ben_client, None).await).len(),
        1
    );

    // Ben's lease expires while he is away; Ana, who released the item, is active with room.
    clock.advance(chrono::Duration::minutes(2));
    assert!(assignments(&queue.pull(&ana, ana_client, None).await).is_empty());
    let sweep = || countersign_queue::leases::sweep_expired(queue.state());
    assert_eq!(
        sweep().await.expect("sweep"),
        0,
        "the releaser, in her cool-down, is not waiting for it"
    );
    assert_eq!(
        queue
            .count("SELECT COUNT(*) FROM items WHERE holder = 'ben'")
            .await,
        1
    );

    // Someone else waiting is.
    let cara_client = Uuid::now_v7();
    assert!(assignments(&queue.pull(&cara, cara_client, None).await).is_empty());
    assert_eq!(sweep().await.expect("sweep"), 1);
    assert_eq!(
        assignments(&queue.pull(&cara, cara_client, None).await).len(),
        1
    );

    // After the cool-down the releaser counts again.
    clock.advance(chrono::Duration::minutes(31));
    assert!(assignments(&queue.pull(&ana, ana_client, None).await).is_empty());
    assert_eq!(
        sweep().await.expect("sweep"),
        1,
        "Cara's lease expired and Ana, past her cool-down, waits"
    );
    assert_eq!(
        assignments(&queue.pull(&ana, ana_client, None).await).len(),
        1
    );
}
