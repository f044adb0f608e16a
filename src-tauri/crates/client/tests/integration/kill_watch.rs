//! `countersign-cli sync --watch` is killed with SIGKILL at random moments, at least 20 times, while other
//! processes record decisions (and this one comments, through the same outbox) in the same data
//! directory. Afterwards every decision and every comment is on the server exactly once and nothing
//! recorded is missing.

use std::collections::HashMap;
use std::time::Duration;

use crate::support::{Reviewer, audit_entries, random_pause};
use countersign_client::store::Store;
use countersign_client::{Clock, SystemClock};
use countersign_testkit::{Backend, QueueProcess, on_both_backends};

const KILLS: usize = 24;
const ITEMS: usize = 72;

on_both_backends!(worker_threads = 2; sigkilled_watch_loses_and_doubles_nothing);

async fn sigkilled_watch_loses_and_doubles_nothing(backend: Backend) {
    let queue = QueueProcess::start_on(backend, Some("prefetch = 100\n")).await;
    for n in 0..ITEMS {
        queue.submit(&format!("kill-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    alice.ok(&["sync"]).await;
    let ids: Vec<String> = alice.item_ids().await;
    assert_eq!(ids.len(), ITEMS);

    let actions = ["approve", "reject", "escalate"];
    let mut recorded: HashMap<String, &str> = HashMap::new();
    // The same store the CLI processes use: a comment per round, on an item still held.
    let store = Store::open(alice.data_dir())
        .await
        .expect("open the CLI's store");
    let mut comments: Vec<(String, String)> = Vec::new();
    let mut next = ids.iter().enumerate();
    for kill in 0..KILLS {
        let mut watch = alice
            .command(&["sync", "--watch"])
            .spawn()
            .expect("start sync --watch");
        // Comment on the last item (decided only after every round) while the watcher runs.
        let last = &ids[ITEMS - 1];
        let text = format!("round {kill}: still checking @alice");
        store
            .comment(last.parse().expect("an item id"), &text, SystemClock.now())
            .await
            .expect("comment");
        comments.push((last.clone(), text));
        // Decide a few items while the watcher runs: each `decide` is its own process.
        for _ in 0..3 {
            let Some((n, id)) = next.next() else { break };
            let action = actions[n % actions.len()];
            let mut args = vec!["decide", id.as_str(), action];
            if action == "reject" {
                args.extend(["--reason", "card_testing"]);
            }
            let output = alice.run(&args).await;
            if output.status.success() {
                recorded.insert(id.clone(), action);
            } else {
                panic!(
                    "decide failed on kill round {kill}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            tokio::time::sleep(random_pause(150)).await;
        }
        tokio::time::sleep(random_pause(1500)).await;
        watch.start_kill().expect("SIGKILL sync --watch");
        let _ = watch.wait().await;
    }

    // The watcher must have uploaded most of it between kills, not left it all to the drain below.
    let left_to_drain = alice.json(&["status", "--json"]).await["pending"]
        .as_u64()
        .expect("pending");
    eprintln!(
        "{KILLS} kills, {} decisions, {left_to_drain} left for the final sync",
        recorded.len()
    );
    assert!(
        (left_to_drain as usize) < recorded.len() / 2,
        "the watcher uploaded too little"
    );

    // Drain what is left with one-shot syncs (each may find a half-finished round to complete).
    for _ in 0..5 {
        let output = alice.run(&["sync"]).await;
        if output.status.success() && alice.json(&["status", "--json"]).await["pending"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(alice.json(&["status", "--json"]).await["pending"], 0);

    for (id, action) in &recorded {
        let item = queue.item(id).await;
        let decisions = item["decisions"].as_array().expect("decisions");
        assert_eq!(
            decisions.len(),
            1,
            "item {id} must carry exactly one decision: {item}"
        );
        assert_eq!(decisions[0]["action"], *action, "item {id}");
    }
    let rows = alice.list().await;
    for id in recorded.keys() {
        let row = rows.iter().find(|row| row["item_id"] == id.as_str());
        // Escalated items may come back to a senior only; for a reviewer they stay uploaded here.
        let status = row.map(|row| row["status"].as_str().unwrap_or_default());
        assert_eq!(status, Some("uploaded"), "item {id} as shown locally");
    }
    assert!(
        recorded.len() >= KILLS * 2,
        "enough decisions were made: {}",
        recorded.len()
    );
    let (last, _) = &comments[0];
    let stored: Vec<String> = audit_entries(&queue, last, "comment")
        .await
        .iter()
        .filter_map(|entry| entry["data"]["note"].as_str().map(str::to_owned))
        .collect();
    let made: Vec<String> = comments.into_iter().map(|(_, text)| text).collect();
    assert_eq!(stored, made, "every comment exactly once, in order");
}
