//! The desktop app as a reviewer uses it (issue 4, "What it must show"): a real queue service, the real
//! app binary under Xvfb driven over WebDriver (tauri-driver + WebKitWebDriver), keyboard only for the
//! decisions, the queue stopped and restarted on the same port, and every decision checked on the server.
//!
//! Run it with `scripts/desktop-e2e.sh`, which builds what it needs and provides the display and the
//! session bus. It is `#[ignore]`d so that a plain `cargo test` without a display reports it as ignored
//! instead of hanging; the script runs it with `--ignored`, and there anything missing is a failure.
//!
//! On the way it checks accessibility in the same window (issue 14, item 5; `a11y`).

mod a11y;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use countersign_client::secrets::{OsKeyring, Secrets};
use countersign_domain::{NewItem, Risk, Role};
use countersign_queue::{RunningServer, ServeOptions, auth, items};
use countersign_tests::webdriver::{TauriDriver, WebDriver};
use serde_json::{Value, json};

const REVIEWER: &str = "e2e-reviewer";
const PRODUCER: &str = "e2e-producer";
/// What an injected payload would set if it ever ran.
const INJECTED_TITLE: &str = r#"<img src="x" onerror="window.__pwned='title'">Refund <b>now</b>"#;
const INJECTED_SCRIPT: &str = "<script>window.__pwned='payload'</script>";
const INJECTED_REASONING: &str = r#"Looks fine <iframe src="https://example.com"></iframe><a href="javascript:window.__pwned='link'">x</a>"#;
const EDIT_MARKER: &str = "Edited by the e2e reviewer.";
const ESCALATION_NOTE: &str = "Needs a senior: the amount is unusual";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn a_reviewer_works_through_the_queue_online_and_offline() {
    if let Err(error) = scenario().await {
        panic!("desktop end-to-end test failed: {error:#}");
    }
}

struct Fixture {
    items: Vec<(String, &'static str)>,
    producer_token: String,
    reviewer_token: String,
}

async fn scenario() -> Result<()> {
    let app = PathBuf::from(env("COUNTERSIGN_DESKTOP_APP")?);
    ensure!(app.is_file(), "no app binary at {}", app.display());
    let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned());
    let output = Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-output/desktop-e2e");
    std::fs::create_dir_all(&output)?;
    let work = tempfile::tempdir()?;
    let db_url = format!("sqlite://{}", work.path().join("queue.db").display());

    let server = countersign_queue::start(ServeOptions::new(db_url.clone())).await?;
    let fixture = seed(&server).await?;
    let [
        injection,
        draft,
        txn_reject,
        txn_escalate,
        clinical,
        offline @ ..,
    ] = fixture.items.as_slice()
    else {
        bail!("expected 10 items");
    };

    // No token in the environment: the app finds none in the keyring and the reviewer signs in.
    let driver = TauriDriver::start(
        &driver_bin,
        &[
            ("COUNTERSIGN_SERVER", server.url()),
            (
                "COUNTERSIGN_DATA_DIR",
                work.path().join("app").display().to_string(),
            ),
        ],
        false,
    )?;
    driver.wait_ready().await?;
    let wd = WebDriver::new(driver.port, &app).await?;
    let result = drive(&wd, server, &output, &fixture, &db_url).await;
    let _ = wd.quit().await;
    let server = result?;

    // Every decision on the server exactly once, with its correction, reason and note.
    let http = countersign_testkit::http_client();
    let get = |id: &str| {
        let http = http.clone();
        let url = format!("{}/v1/items/{id}", server.url());
        let token = fixture.producer_token.clone();
        async move {
            let response = http.get(url).bearer_auth(token).send().await?;
            ensure!(
                response.status().is_success(),
                "GET item: {}",
                response.status()
            );
            Ok::<Value, anyhow::Error>(response.json().await?)
        }
    };
    let mine = |item: &Value| -> Vec<Value> {
        item["decisions"]
            .as_array()
            .map(|d| d.iter().filter(|d| d["by"] == REVIEWER).cloned().collect())
            .unwrap_or_default()
    };
    let expect_one = |item: &Value, action: &str| -> Result<Value> {
        let decisions = mine(item);
        ensure!(
            decisions.len() == 1 && decisions[0]["action"] == action,
            "item {} should hold exactly one {action} by {REVIEWER}, holds {decisions:?}",
            item["id"]
        );
        Ok(decisions[0].clone())
    };
    let d = expect_one(&get(&draft.0).await?, "approve_with_edits")?;
    ensure!(
        d["correction"]
            .as_str()
            .is_some_and(|c| c.contains(EDIT_MARKER)),
        "the correction arrived: {d}"
    );
    let d = expect_one(&get(&txn_reject.0).await?, "reject")?;
    ensure!(
        d["reason_code"] == "false_positive",
        "the reason arrived: {d}"
    );
    let d = expect_one(&get(&txn_escalate.0).await?, "escalate")?;
    ensure!(d["note"] == ESCALATION_NOTE, "the note arrived: {d}");
    expect_one(&get(&clinical.0).await?, "approve")?;
    for (id, _) in offline {
        expect_one(&get(id).await?, "approve")?;
    }
    ensure!(
        mine(&get(&injection.0).await?).is_empty(),
        "the injection item was only looked at"
    );
    server.shutdown().await;
    drop(driver);
    Ok(())
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set; run scripts/desktop-e2e.sh"))
}

/// Ten items in a known order (highest priority first): the injection, one of each kind to decide,
/// and five to decide offline.
async fn seed(server: &RunningServer) -> Result<Fixture> {
    let state = &server.state;
    let now = state.now();
    let reviewer_token = auth::add_user(&state.db, REVIEWER, Role::Reviewer, now).await?;
    let producer_token = auth::add_user(&state.db, PRODUCER, Role::Producer, now).await?;
    let pool = countersign_demo::demo_items(30, 11, now);
    let of_kind = |kind: &str, nth: usize| -> Result<NewItem> {
        pool.iter()
            .filter(|i| i.kind == kind)
            .nth(nth)
            .cloned()
            .with_context(|| format!("no demo {kind} #{nth}"))
    };
    let mut injection = of_kind("transaction", 0)?;
    injection.title = INJECTED_TITLE.to_owned();
    injection.payload["merchant"]["name"] = json!(INJECTED_SCRIPT);
    injection.payload["note"] = json!(INJECTED_SCRIPT);
    injection.ai.reasoning = Some(INJECTED_REASONING.to_owned());
    let mut clinical = of_kind("clinical_suggestion", 0)?;
    clinical.payload["requires_attestation"] = json!(true);
    let mut planned = vec![
        (injection, "injection"),
        (of_kind("content_draft", 0)?, "content_draft"),
        (of_kind("transaction", 1)?, "transaction"),
        (of_kind("transaction", 2)?, "transaction"),
        (clinical, "clinical_suggestion"),
    ];
    for n in 0..5 {
        planned.push((of_kind("transaction", 3 + n)?, "offline"));
    }
    let mut fixture = Fixture {
        items: Vec::new(),
        producer_token,
        reviewer_token,
    };
    for (index, (mut item, role)) in planned.into_iter().enumerate() {
        // Routed to review (not auto-approved, not escalated), in a fixed order.
        item.ai.confidence = 0.7;
        item.ai.risk = Risk::Medium;
        item.priority = 99 - i64::try_from(index)?;
        item.external_id = format!("e2e-{index}");
        let submitted = items::submit(state, PRODUCER, &item).await?;
        fixture.items.push((submitted.item.id.to_string(), role));
    }
    Ok(fixture)
}

/// Drives the window; stops `server` half-way and returns the one restarted on its port.
async fn drive(
    wd: &WebDriver,
    server: RunningServer,
    output: &Path,
    fixture: &Fixture,
    db_url: &str,
) -> Result<RunningServer> {
    let port = server.addr.port();
    let [
        injection,
        draft,
        txn_reject,
        txn_escalate,
        clinical,
        offline @ ..,
    ] = fixture.items.as_slice()
    else {
        bail!("expected 10 items");
    };
    let mut axe = a11y::Axe::load()?;
    sign_in(wd, &server, &fixture.reviewer_token).await?;
    wd.wait_for(r#"[data-testid="inbox-row"]"#, Duration::from_secs(60))
        .await?;
    wd.wait_until(
        "all ten items in the inbox",
        Duration::from_secs(30),
        || async { Ok(wd.count(r#"[data-testid="inbox-row"]"#).await? >= 10) },
    )
    .await?;
    wd.wait_until("online", Duration::from_secs(30), || async {
        Ok(wd
            .attr(r#"[data-testid="status-online"]"#, "data-online")
            .await?
            == "true")
    })
    .await?;
    wd.screenshot(&output.join("inbox.png")).await?;
    axe.check(wd, "inbox").await?;

    // Untrusted content is shown as text and never runs.
    wd.select_by_keyboard(&injection.0).await?;
    let title = wd.text(r#"[data-testid="item-title"]"#).await?;
    ensure!(
        title == INJECTED_TITLE,
        "the title shows literally: {title:?}"
    );
    let page = wd.text(r#"[data-testid="item-view"]"#).await?;
    ensure!(
        page.contains(INJECTED_SCRIPT),
        "the payload's script shows as text"
    );
    let probe = wd
        .execute(
            "return { pwned: window.__pwned === undefined ? null : String(window.__pwned), \
             imgs: document.querySelectorAll('[data-testid=item-view] img').length, \
             iframes: document.querySelectorAll('iframe').length, \
             scripts: document.querySelectorAll('[data-testid=item-view] script').length };",
        )
        .await?;
    ensure!(
        probe == json!({"pwned": null, "imgs": 0, "iframes": 0, "scripts": 0}),
        "nothing injected ran or rendered: {probe}"
    );
    wd.screenshot(&output.join("injection.png")).await?;
    axe.check(wd, "transaction (injection)").await?;

    // The dialogs are modal, and the conflicts view passes axe too.
    a11y::dialog(wd, &mut axe, "open-shortcuts", "shortcut-sheet").await?;
    a11y::dialog(wd, &mut axe, "open-settings", "settings-dialog").await?;
    wd.click(r#"[data-testid="open-conflicts"]"#).await?;
    wd.wait_for(r#"[data-testid="conflicts-view"]"#, Duration::from_secs(10))
        .await?;
    axe.check(wd, "conflicts").await?;
    wd.click(r#"[data-testid="conflicts-close"]"#).await?;

    // Approve with edits: a content draft, edited in its editor, Ctrl+Enter.
    wd.select_by_keyboard(&draft.0).await?;
    wd.wait_for(
        r#"[data-testid="view-content_draft"]"#,
        Duration::from_secs(10),
    )
    .await?;
    wd.screenshot(&output.join("content_draft.png")).await?;
    axe.check(wd, "content_draft").await?;
    wd.keys(&["e"]).await?;
    axe.check(wd, "content_draft editing").await?;
    wd.type_into(
        r#"[data-testid="draft-editor"]"#,
        &format!(" {EDIT_MARKER}"),
    )
    .await?;
    wd.keys(&[CONTROL, ENTER]).await?;
    wd.wait_status(&draft.0, "decided|uploaded").await?;
    a11y::toast_clear_of_decision_bar(wd).await?;

    // Reject with a reason: r, pick the reason by typing, Enter.
    wd.select_by_keyboard(&txn_reject.0).await?;
    wd.wait_for(
        r#"[data-testid="view-transaction"]"#,
        Duration::from_secs(10),
    )
    .await?;
    wd.screenshot(&output.join("transaction.png")).await?;
    axe.check(wd, "transaction").await?;
    wd.keys(&["r"]).await?;
    wd.wait_for(r#"[data-testid="reject-panel"]"#, Duration::from_secs(10))
        .await?;
    axe.check(wd, "reject panel").await?;
    wd.type_into(r#"[data-testid="reason-select"]"#, "False")
        .await?;
    wd.keys(&[ENTER]).await?;
    wd.wait_status(&txn_reject.0, "decided|uploaded").await?;
    a11y::toast_clear_of_decision_bar(wd).await?;

    // Escalate with a note: s, type, Ctrl+Enter.
    wd.select_by_keyboard(&txn_escalate.0).await?;
    // The JSON edit panel passes axe; Escape closes it untouched.
    wd.keys(&["e"]).await?;
    wd.wait_for(r#"[data-testid="edit-panel"]"#, Duration::from_secs(10))
        .await?;
    axe.check(wd, "edit panel").await?;
    wd.keys(&[ESCAPE]).await?;
    wd.wait_until(
        "Escape closes the edit panel",
        Duration::from_secs(5),
        || async { Ok(wd.count(r#"[data-testid="edit-panel"]"#).await? == 0) },
    )
    .await?;
    wd.keys(&["s"]).await?;
    wd.type_into(r#"[data-testid="note-field"]"#, ESCALATION_NOTE)
        .await?;
    wd.keys(&[CONTROL, ENTER]).await?;
    wd.wait_status(&txn_escalate.0, "decided|uploaded").await?;

    // Clinical sign-off: the attestation ticked, the credential re-entered, Ctrl+Enter.
    wd.select_by_keyboard(&clinical.0).await?;
    wd.wait_for(r#"[data-testid="sign-off"]"#, Duration::from_secs(10))
        .await?;
    wd.screenshot(&output.join("clinical_suggestion.png"))
        .await?;
    axe.check(wd, "clinical_suggestion with sign-off").await?;
    a11y::page_down_scrolls_the_body(wd).await?;
    wd.keys(&["a"]).await?; // focuses the attestation first
    wd.keys(&[" "]).await?;
    wd.type_into(
        r#"[data-testid="credential-field"]"#,
        &fixture.reviewer_token,
    )
    .await?;
    wd.keys(&[CONTROL, ENTER]).await?;
    wd.wait_status(&clinical.0, "decided|uploaded").await?;
    a11y::toast_clear_of_decision_bar(wd).await?;
    wd.wait_until(
        "the four decisions uploaded",
        Duration::from_secs(30),
        || async {
            Ok(wd
                .attr(r#"[data-testid="status-pending"]"#, "data-count")
                .await?
                == "0")
        },
    )
    .await?;

    // Offline: the queue goes away, five more decisions are kept and counted.
    server.shutdown().await;
    for (id, _) in offline {
        wd.select_by_keyboard(id).await?;
        wd.keys(&["a"]).await?;
        wd.wait_status(id, "decided").await?;
    }
    wd.wait_until(
        "offline with five pending",
        Duration::from_secs(60),
        || async {
            Ok(wd
                .attr(r#"[data-testid="status-online"]"#, "data-online")
                .await?
                == "false"
                && wd
                    .attr(r#"[data-testid="status-pending"]"#, "data-count")
                    .await?
                    == "5")
        },
    )
    .await?;
    wd.screenshot(&output.join("offline.png")).await?;

    // The queue comes back on the same port over the same database; the outbox drains.
    let mut options = ServeOptions::new(db_url.to_owned());
    options.listen = format!("127.0.0.1:{port}");
    let restarted = countersign_queue::start(options).await?;
    wd.wait_until(
        "back online, nothing pending",
        Duration::from_secs(120),
        || async {
            Ok(wd
                .attr(r#"[data-testid="status-online"]"#, "data-online")
                .await?
                == "true"
                && wd
                    .attr(r#"[data-testid="status-pending"]"#, "data-count")
                    .await?
                    == "0")
        },
    )
    .await?;
    wd.screenshot(&output.join("synced.png")).await?;

    // The one item left open at the window's minimum size.
    wd.select_by_keyboard(&injection.0).await?;
    a11y::minimum_window(wd, output).await?;
    axe.print();
    Ok(restarted)
}

/// Signs in through the form the app opens with no token, and checks that the token went into the
/// system keyring (the Secret Service of the session bus this test shares with the app).
async fn sign_in(wd: &WebDriver, server: &RunningServer, token: &str) -> Result<()> {
    wd.wait_for(r#"[data-testid="sign-in-form"]"#, Duration::from_secs(60))
        .await?;
    let prefilled = wd
        .attr(r#"[data-testid="sign-in-server"]"#, "value")
        .await?;
    ensure!(
        prefilled == server.url(),
        "the sign-in form offers the configured server, not {prefilled:?}"
    );
    wd.type_into(r#"[data-testid="sign-in-token"]"#, token)
        .await?;
    wd.keys(&[ENTER]).await?;
    wd.wait_until("signed in", Duration::from_secs(30), || async {
        Ok(wd.count(r#"[data-testid="sign-in-form"]"#).await? == 0)
    })
    .await?;
    let stored = OsKeyring
        .token(&server.url())
        .context("read the keyring")?
        .context("the token is in the keyring after signing in")?;
    ensure!(
        stored.expose() == token,
        "the keyring holds the token typed"
    );
    Ok(())
}

const CONTROL: &str = "\u{E009}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
