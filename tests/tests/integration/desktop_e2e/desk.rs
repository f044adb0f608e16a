//! The reviewer's desk in the real window (issue 13, "What it must show"): a queue with the demo kinds
//! registered and a burst of card payments at one merchant; the reviewer searches for the merchant
//! (`/`, a `merchant:` filter), opens a related case from the item view (`o`), selects three results
//! with the keyboard (`x`, Shift+J) and rejects them in bulk with one reason; each arrives on the server
//! exactly once as its own decision, and the fourth is left alone. The screenshots are `search.png`,
//! `related.png` and `bulk.png` (README.md shows them from docs/screenshots/). Run by
//! `scripts/desktop-e2e.sh` like the main scenario.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use countersign_domain::{NewItem, Role};
use countersign_queue::{AppState, auth, kinds};
use countersign_tests::webdriver::WebDriver;
use serde_json::{Value, json};

use super::{
    ENTER, ESCAPE, Harness, PRODUCER, a11y, all_uploaded, decisions_by, item_as_producer,
    one_decision, start_queue, submit_for_review,
};

const REVIEWER: &str = "e2e-desk-reviewer";
/// The merchant of the burst: a name no other demo payment has.
const MERCHANT: &str = "Harbour Lights Bistro";
/// The burst: payments at `MERCHANT`, all held by the reviewer.
const BURST: usize = 4;
/// The payments the reviewer rejects together.
const BULK: usize = 3;
const REASON: &str = "false_positive";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn a_reviewer_searches_opens_a_related_case_and_rejects_in_bulk() {
    if let Err(error) = scenario().await {
        panic!("desktop end-to-end test of the desk failed: {error:#}");
    }
}

struct Seeded {
    /// The payments at `MERCHANT`, highest priority first.
    burst: Vec<String>,
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
    let rejected = result?;

    // Each selected payment rejected once, with the reason; the one not selected untouched.
    let token = &seeded.producer_token;
    for id in &rejected {
        let d = one_decision(
            &item_as_producer(&server, token, id).await?,
            REVIEWER,
            "reject",
        )?;
        ensure!(d["reason_code"] == REASON, "the reason arrived: {d}");
    }
    for id in seeded.burst.iter().filter(|id| !rejected.contains(id)) {
        let item = item_as_producer(&server, token, id).await?;
        ensure!(
            decisions_by(&item, REVIEWER).is_empty(),
            "the payment left out of the selection was not decided: {item}"
        );
    }
    server.shutdown().await;
    drop(driver);
    Ok(())
}

/// The demo kinds registered (their identifiers name the `merchant:` filter), the burst at
/// `MERCHANT`, and a few other payments below it.
async fn seed(state: &AppState) -> Result<Seeded> {
    let now = state.now();
    let reviewer_token = auth::add_user(&state.db, REVIEWER, Role::Reviewer, now).await?;
    let producer_token = auth::add_user(&state.db, PRODUCER, Role::Producer, now).await?;
    kinds::ensure(state, "e2e-admin", &countersign_demo::demo_kinds()).await?;
    let payments: Vec<NewItem> = countersign_demo::demo_items(60, 13, now)
        .into_iter()
        .filter(|i| i.kind == "transaction")
        .take(BURST + 3)
        .collect();
    ensure!(payments.len() == BURST + 3, "the demo pool has payments");
    let mut burst = Vec::new();
    for (index, mut item) in payments.into_iter().enumerate() {
        let priority = 90 - i64::try_from(index)?;
        let external = format!("e2e-desk-{index}");
        if index < BURST {
            item.payload["merchant"]["name"] = json!(MERCHANT);
            burst.push(submit_for_review(state, item, priority, &external).await?);
        } else {
            submit_for_review(state, item, priority, &external).await?;
        }
    }
    Ok(Seeded {
        burst,
        producer_token,
        reviewer_token,
    })
}

/// The ids of the listed rows, top to bottom.
async fn listed(wd: &WebDriver) -> Result<Vec<String>> {
    let ids = wd
        .execute(
            "return [...document.querySelectorAll('[data-testid=inbox-row]')]\
             .sort((a, b) => Number(a.getAttribute('aria-posinset')) - Number(b.getAttribute('aria-posinset')))\
             .map(r => r.dataset.itemId);",
        )
        .await?;
    serde_json::from_value(ids).context("row ids")
}

/// Searches, rejects three results in bulk; returns the ids rejected.
async fn drive(wd: &WebDriver, output: &Path, seeded: &Seeded) -> Result<Vec<String>> {
    let mut axe = a11y::Axe::load()?;
    wd.wait_until(
        "every payment in the inbox",
        Duration::from_secs(60),
        || async { Ok(wd.count(r#"[data-testid="inbox-row"]"#).await? >= BURST + 3) },
    )
    .await?;

    // `/` focuses the search box; a merchant filter and a word, Enter searches.
    wd.keys(&[ESCAPE]).await?;
    wd.keys(&["/"]).await?;
    let focused = wd
        .execute("return document.activeElement && document.activeElement.dataset.testid;")
        .await?;
    ensure!(
        focused == "search-input",
        "/ focuses the search box, not {focused}"
    );
    wd.type_into(
        r#"[data-testid="search-input"]"#,
        &format!(r#"merchant:"{MERCHANT}" harbour"#),
    )
    .await?;
    wd.keys(&[ENTER]).await?;
    let mut expected = seeded.burst.clone();
    expected.sort();
    wd.wait_until(
        "exactly the merchant's payments listed, with the match marked",
        Duration::from_secs(30),
        || async {
            let mut ids = listed(wd).await?;
            ids.sort();
            Ok(ids == expected
                && wd
                    .count(r#"[data-testid="inbox-row"] [data-testid="row-excerpt"] mark"#)
                    .await?
                    >= BURST)
        },
    )
    .await?;
    let results = listed(wd).await?;

    // The first result open: its related cases are the other payments at the merchant.
    let first = results.first().context("a first result")?;
    wd.click(&format!(
        r#"[data-testid="inbox-row"][data-item-id="{first}"]"#
    ))
    .await?;
    wd.wait_until(
        "the related panel lists the other payments",
        Duration::from_secs(30),
        || async {
            Ok(wd
                .count(r#"[data-testid="related-case"][data-held="true"]"#)
                .await?
                >= BURST - 1)
        },
    )
    .await?;
    let shared = wd.text(r#"[data-testid="related-panel"]"#).await?;
    ensure!(
        shared.contains(MERCHANT),
        "the related cases show the merchant they share: {shared}"
    );
    wd.screenshot(&output.join("search.png")).await?;
    axe.check(wd, "search results").await?;
    wd.execute(
        "document.querySelector('[data-testid=related-panel]').scrollIntoView({block: 'start'});",
    )
    .await?;
    wd.screenshot(&output.join("related.png")).await?;
    axe.check(wd, "related cases").await?;

    // `o` opens the first held related case.
    let related = wd
        .attr(
            r#"[data-testid="related-case"][data-held="true"]"#,
            "data-related-id",
        )
        .await?;
    wd.keys(&[ESCAPE]).await?;
    wd.execute("document.activeElement && document.activeElement.blur();")
        .await?;
    wd.keys(&["o"]).await?;
    wd.wait_until(
        "o opens the related case",
        Duration::from_secs(15),
        || async { Ok(wd.open_item().await? == related) },
    )
    .await?;

    // Three results selected with the keyboard: the first, then Shift+J twice.
    wd.select_by_keyboard(first).await?;
    wd.keys(&["x"]).await?;
    for _ in 1..BULK {
        wd.keys(&["J"]).await?;
    }
    wd.wait_until(
        "three results selected",
        Duration::from_secs(15),
        || async { Ok(wd.text(r#"[data-testid="bulk-count"]"#).await? == "3 items selected") },
    )
    .await?;
    let selected: Vec<String> = serde_json::from_value(
        wd.execute(
            "return [...document.querySelectorAll('[data-testid=inbox-row][aria-checked=true]')].map(r => r.dataset.itemId);",
        )
        .await?,
    )?;
    ensure!(
        selected.len() == BULK && selected.iter().all(|id| seeded.burst.contains(id)),
        "three of the merchant's payments selected: {selected:?}"
    );

    // Reject with one reason: the summary before acting, then one decision per item.
    wd.execute(&format!(
        "const s = document.querySelector('[data-testid=bulk-reason]'); s.value = '{REASON}'; \
         s.dispatchEvent(new Event('change', {{ bubbles: true }}));"
    ))
    .await?;
    wd.click(r#"[data-testid="bulk-reject"]"#).await?;
    wd.wait_for(r#"[data-testid="bulk-confirm"]"#, Duration::from_secs(15))
        .await?;
    let summary = wd.text(r#"[data-testid="bulk-summary"]"#).await?;
    ensure!(
        summary.contains("3 items"),
        "the summary counts the three: {summary}"
    );
    wd.screenshot(&output.join("bulk.png")).await?;
    axe.check(wd, "bulk reject").await?;
    wd.click(r#"[data-testid="bulk-confirm"]"#).await?;
    wd.wait_for(
        r#"[data-testid="bulk-bar"][data-step="done"]"#,
        Duration::from_secs(30),
    )
    .await?;
    for id in &selected {
        wd.wait_status(id, "decided|uploaded").await?;
    }
    all_uploaded(wd, "the three rejections uploaded").await?;
    let state: Value = wd
        .execute("return document.querySelector('[data-testid=bulk-count]').textContent;")
        .await?;
    ensure!(
        state == "Rejected: 3 items",
        "the bar says what was done: {state}"
    );
    axe.print();
    Ok(selected)
}
