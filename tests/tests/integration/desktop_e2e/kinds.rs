//! Kinds as data in the real window (issue 12, "What it must show"): a queue with the demo kinds
//! registered, the app drawing a `support_reply` and a `code_change` from their definitions alone, a
//! reply edited and approved with edits, a change rejected with a reason code from the server's list,
//! and both decisions checked on the server. Run by `scripts/desktop-e2e.sh` like the main scenario.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use countersign_domain::{ReasonCode, Role};
use countersign_queue::{auth, kinds};
use countersign_tests::webdriver::WebDriver;
use serde_json::Value;

use super::{
    CONTROL, ENTER, Harness, PRODUCER, a11y, all_uploaded, item_as_producer, one_decision,
    screenshots, start_queue, submit_for_review,
};

const REVIEWER: &str = "e2e-kinds-reviewer";
const REPLY_MARKER: &str = "We have also added a credit of EUR 5 for the trouble.";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn a_reviewer_decides_kinds_registered_as_data() {
    if let Err(error) = scenario().await {
        panic!("desktop end-to-end test of kinds failed: {error:#}");
    }
}

struct Seeded {
    reply: String,
    change: String,
    /// The reject reason the reviewer picks: the code change kind's second, as the server lists it.
    reason: ReasonCode,
    producer_token: String,
    reviewer_token: String,
}

async fn scenario() -> Result<()> {
    let harness = Harness::from_env()?;
    let work = tempfile::tempdir()?;
    let server = start_queue(work.path()).await?;
    let seeded = seed(&server.state).await?;

    let (driver, wd) = harness
        .launch_signed_in(&server, &seeded.reviewer_token, work.path())
        .await?;
    let result = drive(&wd, &harness.output, &seeded).await;
    let _ = wd.quit().await;
    result?;

    // Both decisions on the server, once each, with the edited reply and the server's reason code.
    let token = &seeded.producer_token;
    let item = item_as_producer(&server, token, &seeded.reply).await?;
    let d = one_decision(&item, REVIEWER, "approve_with_edits")?;
    let correction = &d["correction"];
    ensure!(
        correction["reply"]
            .as_str()
            .is_some_and(|r| r.contains(REPLY_MARKER)),
        "the edited reply arrived: {d}"
    );
    for untouched in ["tone", "intent"] {
        ensure!(
            correction[untouched] == item["ai"]["output"][untouched],
            "the correction keeps the AI's {untouched}: {d}"
        );
    }
    let change = item_as_producer(&server, token, &seeded.change).await?;
    let d = one_decision(&change, REVIEWER, "reject")?;
    ensure!(
        d["reason_code"] == seeded.reason.code.as_str(),
        "the change was rejected with {}: {d}",
        seeded.reason.code
    );
    server.shutdown().await;
    drop(driver);
    Ok(())
}

/// The demo kinds registered, and one support reply and one code change for the reviewer.
async fn seed(state: &countersign_queue::AppState) -> Result<Seeded> {
    let now = state.now();
    let reviewer_token = auth::add_user(&state.db, REVIEWER, Role::Reviewer, now).await?;
    let producer_token = auth::add_user(&state.db, PRODUCER, Role::Producer, now).await?;
    kinds::ensure(state, "e2e-admin", &countersign_demo::demo_kinds()).await?;
    let pool = countersign_demo::assistant_items(now);
    let of_kind = |kind: &str| {
        pool.iter()
            .find(|i| i.kind == kind)
            .cloned()
            .with_context(|| format!("a demo {kind}"))
    };
    let reply = submit_for_review(state, of_kind("support_reply")?, 90, "e2e-kinds-reply").await?;
    let change = submit_for_review(state, of_kind("code_change")?, 80, "e2e-kinds-change").await?;
    let reason = kinds::get(&state.db, "code_change")
        .await?
        .context("code_change is registered")?
        .spec
        .reason_codes
        .get(1)
        .cloned()
        .context("code_change lists reason codes")?;
    Ok(Seeded {
        reply,
        change,
        reason,
        producer_token,
        reviewer_token,
    })
}

async fn drive(wd: &WebDriver, output: &Path, seeded: &Seeded) -> Result<()> {
    let mut axe = a11y::Axe::load()?;
    wd.wait_until(
        "both items in the inbox",
        Duration::from_secs(60),
        || async { Ok(wd.count(r#"[data-testid="inbox-row"]"#).await? >= 2) },
    )
    .await?;

    // The code change: its diff file by file, highlighted (shown first, before any toast).
    let change_view = r#"[data-testid="view-hinted"][data-kind="code_change"] [data-testid="diff-file"] .tok-keyword"#;
    wd.select_by_keyboard(&seeded.change).await?;
    wd.wait_for(change_view, Duration::from_secs(30)).await?;
    screenshots(wd, output, "code-change").await?;
    axe.check(wd, "code_change").await?;

    // The support reply: its conversation, and the reply edited in place; Ctrl+Enter approves the edit.
    wd.select_by_keyboard(&seeded.reply).await?;
    wd.wait_for(
        r#"[data-testid="view-hinted"][data-kind="support_reply"] [data-testid="conversation"]"#,
        Duration::from_secs(30),
    )
    .await?;
    let chip = wd.text(r#"[data-testid="item-view"] .kind-chip"#).await?;
    ensure!(
        chip == "Support reply",
        "the kind's label from its definition: {chip:?}"
    );
    let reply = r#"[data-testid="editable-field"][data-pointer="/reply"]"#;
    wd.type_into(reply, &format!(" {REPLY_MARKER}")).await?;
    wd.wait_for(
        r#"[data-testid="correction-editor"] [data-testid="draft-diff"] ins"#,
        Duration::from_secs(10),
    )
    .await?;
    // The conversation at the top, the edited reply below it.
    wd.execute(
        "document.querySelector('[data-testid=conversation]').closest('section').scrollIntoView({block: 'start'});",
    )
    .await?;
    screenshots(wd, output, "support-reply").await?;
    axe.check(wd, "support_reply editing").await?;
    wd.click(reply).await?;
    wd.keys(&[CONTROL, ENTER]).await?;
    wd.wait_status(&seeded.reply, "decided|uploaded").await?;

    // The code change rejected with a reason the server listed for its kind.
    wd.select_by_keyboard(&seeded.change).await?;
    wd.wait_for(change_view, Duration::from_secs(30)).await?;
    wd.keys(&["r"]).await?;
    wd.wait_for(r#"[data-testid="reject-panel"]"#, Duration::from_secs(10))
        .await?;
    let listed = wd
        .execute(
            "return [...document.querySelectorAll('[data-testid=reason-list] [data-code]')].map(e => e.dataset.code);",
        )
        .await?;
    ensure!(
        listed.as_array().and_then(|l| l.get(1)) == Some(&Value::from(seeded.reason.code.as_str())),
        "the reject panel lists the server's reason codes in order: {listed}"
    );
    wd.type_into(r#"[data-testid="reason-select"]"#, &seeded.reason.label)
        .await?;
    wd.keys(&[ENTER]).await?;
    wd.wait_status(&seeded.change, "decided|uploaded").await?;
    all_uploaded(wd, "both decisions uploaded").await?;
    axe.print();
    Ok(())
}
