//! Notifications and the undo window in the real app (issue 9, "What it must show"): signed in as a
//! senior against a real queue, an item another reviewer escalates over the API raises a notification
//! on the session bus; the mock notification server clicks it (`ActionInvoked(id, "default")`) and the
//! app shows that item. Then a decision's undo toast counts down ("Undo (N s)") and an undo inside the
//! window sends nothing to the queue.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use countersign_domain::{NewItem, Role};
use countersign_queue::{RunningServer, auth};
use countersign_testkit::fixtures::{assignments, mutation};
use countersign_testkit::notification_daemon;
use countersign_tests::webdriver::WebDriver;
use serde_json::{Value, json};

use super::{Harness, start_queue, submit_for_review};

const SENIOR: &str = "e2e-senior";
const ESCALATOR: &str = "e2e-escalator";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn a_clicked_escalation_notice_opens_its_item_and_undo_counts_down() {
    if let Err(error) = scenario().await {
        panic!("desktop notifications test failed: {error:#}");
    }
}

struct Seeded {
    escalated: String,
    escalated_title: String,
    /// The senior's own items: one is decided and undone.
    mine: Vec<String>,
    escalator_token: String,
    producer_token: String,
}

async fn scenario() -> Result<()> {
    let harness = Harness::from_env()?;
    let work = tempfile::tempdir()?;
    let server = start_queue(work.path()).await?;
    let state = &server.state;
    let now = state.now();
    let senior_token = auth::add_user(&state.db, SENIOR, Role::Senior, now).await?;
    let seeded = seed(&server).await?;

    // The token from the environment: this test is about notifications, not signing in.
    let (driver, wd) = harness
        .launch_signed_in(&server, &senior_token, work.path())
        .await?;
    let result = drive(&wd, &server, &seeded).await;
    let _ = wd.quit().await;
    result?;
    server.shutdown().await;
    drop(driver);
    Ok(())
}

/// The item to escalate, held by the escalator before the app starts (so the senior does not take it
/// first), and two items for the senior. No due dates: no "due soon" notice joins the escalation's.
async fn seed(server: &RunningServer) -> Result<Seeded> {
    let state = &server.state;
    let now = state.now();
    let escalator_token = auth::add_user(&state.db, ESCALATOR, Role::Reviewer, now).await?;
    let producer_token = auth::add_user(&state.db, super::PRODUCER, Role::Producer, now).await?;
    let pool = countersign_demo::demo_items(10, 21, now);
    let transactions: Vec<NewItem> = pool
        .into_iter()
        .filter(|i| i.kind == "transaction")
        .map(|mut i| {
            i.due_at = None;
            i
        })
        .take(3)
        .collect();
    let [first, second, third] = <[NewItem; 3]>::try_from(transactions)
        .map_err(|left| anyhow::anyhow!("3 demo transactions, got {}", left.len()))?;

    let escalated_title = format!("e2e escalation {}", uuid::Uuid::now_v7());
    let mut to_escalate = first;
    to_escalate.title = escalated_title.clone();
    let escalated = submit_for_review(state, to_escalate, 90, "e2e-notify-escalated").await?;
    let held = api(server, &escalator_token, "/v1/sync/pull", &pull_body()).await?;
    ensure!(
        assignments(&held)
            .iter()
            .any(|a| a["item"]["id"] == escalated.as_str()),
        "the escalator holds the item to escalate: {held}"
    );
    let mine = vec![
        submit_for_review(state, second, 80, "e2e-notify-mine-1").await?,
        submit_for_review(state, third, 70, "e2e-notify-mine-2").await?,
    ];
    Ok(Seeded {
        escalated,
        escalated_title,
        mine,
        escalator_token,
        producer_token,
    })
}

fn pull_body() -> Value {
    json!({"client_id": uuid::Uuid::now_v7(), "cursor": null})
}

async fn api(server: &RunningServer, token: &str, path: &str, body: &Value) -> Result<Value> {
    let response = countersign_testkit::http_client()
        .post(format!("{}{path}", server.url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "POST {path}: {}",
        response.status()
    );
    Ok(response.json().await?)
}

async fn get_item(server: &RunningServer, token: &str, id: &str) -> Result<Value> {
    let response = countersign_testkit::http_client()
        .get(format!("{}/v1/items/{id}", server.url()))
        .bearer_auth(token)
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "GET item: {}",
        response.status()
    );
    Ok(response.json().await?)
}

/// The escalator's client pulls again (a new client: its first pull lists what it holds) and pushes
/// an escalation of `item_id`.
async fn escalate(server: &RunningServer, token: &str, item_id: &str) -> Result<()> {
    let body = pull_body();
    let held = api(server, token, "/v1/sync/pull", &body).await?;
    let assignment = assignments(&held)
        .into_iter()
        .find(|a| a["item"]["id"] == item_id)
        .context("the escalator still holds the item")?;
    let mut escalation = mutation(1, &assignment, "escalate");
    escalation["note"] = json!("Over my limit");
    let pushed = api(
        server,
        token,
        "/v1/sync/push",
        &json!({"client_id": body["client_id"], "mutations": [escalation]}),
    )
    .await?;
    ensure!(
        pushed["results"][0]["status"] == "applied",
        "the escalation was applied: {pushed}"
    );
    Ok(())
}

async fn drive(wd: &WebDriver, server: &RunningServer, seeded: &Seeded) -> Result<()> {
    wd.wait_until(
        "the senior's two items listed",
        Duration::from_secs(60),
        || async { Ok(wd.count(r#"[data-testid="inbox-row"]"#).await? >= 2) },
    )
    .await?;
    wd.select_by_keyboard(&seeded.mine[1]).await?;

    escalate(server, &seeded.escalator_token, &seeded.escalated).await?;
    let title = seeded.escalated_title.clone();
    let shown = tokio::task::spawn_blocking(move || {
        notification_daemon::wait_for(&title, Duration::from_secs(90))
    })
    .await?
    .with_context(|| {
        format!(
            "no Notify for the escalation on the session bus: {:?}",
            notification_daemon::shown()
        )
    })?;
    ensure!(
        shown.line.contains("Escalated to you") && shown.line.contains(r#"["default", "Open"]"#),
        "an escalation notice with the default action: {}",
        shown.line
    );

    // The click, as the desktop reports it. The app waits for it from just after showing the notice;
    // a click that came before it listened would be lost, so the mock clicks again until the app
    // shows the item (a person is never that quick).
    let opened = format!(
        r#"[data-testid="item-view"][data-item-id="{}"]"#,
        seeded.escalated
    );
    wd.wait_until(
        "the clicked notice's item open",
        Duration::from_secs(30),
        || async {
            if wd.count(&opened).await? == 1 {
                return Ok(true);
            }
            let id = shown.id;
            tokio::task::spawn_blocking(move || notification_daemon::invoke_action(id, "default"))
                .await?;
            Ok(false)
        },
    )
    .await?;

    undo_inside_the_window(wd, server, seeded).await
}

/// Approves one of the senior's items, watches the toast count down, undoes it, and checks after the
/// window that the queue never got it.
async fn undo_inside_the_window(
    wd: &WebDriver,
    server: &RunningServer,
    seeded: &Seeded,
) -> Result<()> {
    let item = &seeded.mine[0];
    wd.select_by_keyboard(item).await?;
    wd.keys(&["a"]).await?;
    wd.wait_for(r#"[data-testid="toast-undo"]"#, Duration::from_secs(10))
        .await?;
    let seconds_left = || async {
        let text = wd.text(r#"[data-testid="toast-undo"]"#).await?;
        countdown(&text).with_context(|| format!("the undo button reads {text:?}"))
    };
    let first = seconds_left().await?;
    ensure!(
        (1..=5).contains(&first),
        "the default window is 5 s: {first}"
    );
    wd.wait_until(
        "the countdown goes down",
        Duration::from_secs(10),
        || async { Ok(seconds_left().await? < first) },
    )
    .await?;
    wd.click(r#"[data-testid="toast-undo"]"#).await?;
    wd.wait_status(item, "open").await?;

    // Past the window (5 s), with the app online: nothing was sent.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let on_queue = get_item(server, &seeded.producer_token, item).await?;
    ensure!(
        on_queue["decisions"].as_array().is_some_and(Vec::is_empty)
            && on_queue["status"] == "pending",
        "the undone decision never reached the queue: {on_queue}"
    );
    Ok(())
}

/// N from "Undo (N s)".
fn countdown(text: &str) -> Option<u32> {
    text.trim()
        .strip_prefix("Undo (")?
        .strip_suffix(" s)")?
        .parse()
        .ok()
}

#[test]
fn the_countdown_reads_as_the_toast_writes_it() {
    assert_eq!(countdown("Undo (4 s)"), Some(4));
    assert_eq!(countdown("Undo"), None);
}
