//! The decision record in the real window (issue 10, "What it must show", the desktop part): a payment
//! whose policy rule needs two approvals (four eyes). The first reviewer opens its timeline (`h`), posts
//! a comment that reaches the server exactly once and then shows as the server's `comment` entry,
//! corrects two fields of the AI's structured output in the field-level editor with a rationale, and
//! approves. A second reviewer, in a second launch of the app with their own token, sees the first
//! approver's version, their rationale and the field diff, and approves it: the outcome is the first
//! approver's version, its RFC 6902 patch in `decisions[].patch`. A clinician signs two clinical
//! approvals with their PIN in the sign-off panel, the second while the queue is down (the key sealed
//! in the keyring signs offline); back online, both decisions on the queue carry the manifest with
//! their full name and meaning. The screenshots are `timeline.png`, `structured-diff.png`,
//! `sign-off.png` and `signed.png` (README.md shows them from docs/screenshots/). Run by
//! `scripts/desktop-e2e.sh` like the main scenario.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use countersign_domain::Role;
use countersign_queue::policy::{DEFAULT_POLICY_TOML, Policy};
use countersign_queue::users::{self, UserChange};
use countersign_queue::{RunningServer, ServeOptions, auth, kinds, signing};
use countersign_tests::webdriver::WebDriver;
use serde_json::{Value, json};

use super::{
    CONTROL, ENTER, ESCAPE, Harness, PRODUCER, a11y, all_uploaded, item_as_producer, one_decision,
    status_bar_shows, submit_for_review,
};

const FIRST: &str = "e2e-record-first";
const SECOND: &str = "e2e-record-second";
/// The policy rules, tried before the built-in ones: payments under four eyes, clinical suggestions
/// reviewed and their approvals signed.
const RECORD_RULES: &str = "[[rules]]\nname = \"payments-four-eyes\"\nkinds = [\"transaction\"]\n\
     route = \"review\"\napprovals_required = 2\n\n\
     [[rules]]\nname = \"signed-clinical-review\"\nkinds = [\"clinical_suggestion\"]\n\
     route = \"review\"\nsignature = \"approval\"\n\n";
const CLINICIAN: &str = "e2e-record-clinician";
/// The name the clinician's signatures print.
const FULL_NAME: &str = "Dr Ana Ruiz";
const CLINICIAN_PIN: &str = "e2e-sign-8642";
const COMMENT: &str =
    "The card was used abroad an hour ago: @e2e-record-second, please look at the score.";
const RATIONALE: &str = "Two countries within an hour: the score understates it.";
/// The score the first reviewer types over the AI's.
const CORRECTED_SCORE: f64 = 0.97;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn a_reviewer_comments_and_corrects_a_payment_and_a_second_approver_countersigns_it() {
    if let Err(error) = scenario().await {
        panic!("desktop end-to-end test of the decision record failed: {error:#}");
    }
}

struct Seeded {
    payment: String,
    /// The AI's output on the payment.
    ai_output: Value,
    producer_token: String,
    first_token: String,
    second_token: String,
}

async fn scenario() -> Result<()> {
    let harness = Harness::from_env()?;
    let work = tempfile::tempdir()?;
    let server = start(work.path(), "127.0.0.1:0").await?;
    let seeded = seed(&server).await?;
    let verdict = other_verdict(&seeded.ai_output)?;
    let mut first_version = seeded.ai_output.clone();
    first_version["verdict"] = json!(verdict);
    first_version["score"] = json!(CORRECTED_SCORE);

    // The first reviewer: the timeline, a comment, a correction.
    let first_work = work.path().join("first");
    let (driver, wd) = harness
        .launch_signed_in(&server, &seeded.first_token, &first_work)
        .await?;
    let result = first_reviewer(&wd, &harness.output, &server, &seeded, verdict).await;
    let _ = wd.quit().await;
    drop(driver);
    result?;

    let token = &seeded.producer_token;
    let item = item_as_producer(&server, token, &seeded.payment).await?;
    let first = one_decision(&item, FIRST, "approve_with_edits")?;
    ensure!(
        first["correction"] == first_version && first["rationale"] == RATIONALE,
        "the first approver's version {first_version} and rationale arrived: {first}"
    );
    ensure!(
        item["status"] == "pending",
        "the payment waits for its second approval: {item}"
    );

    // The second reviewer, in their own launch of the app: the first version, its diff, approved.
    let second_work = work.path().join("second");
    let (driver, wd) = harness
        .launch_signed_in(&server, &seeded.second_token, &second_work)
        .await?;
    let result = second_reviewer(&wd, &harness.output, &seeded, verdict).await;
    let _ = wd.quit().await;
    drop(driver);
    result?;

    let item = item_as_producer(&server, token, &seeded.payment).await?;
    ensure!(
        item["outcome"] == "approved_with_edits",
        "the outcome is the first approver's version: {item}"
    );
    let first = one_decision(&item, FIRST, "approve_with_edits")?;
    let second = one_decision(&item, SECOND, "approve")?;
    ensure!(
        first["correction"] == first_version,
        "the first version stands: {first}"
    );
    let mut patch = first["patch"]
        .as_array()
        .context("decisions[].patch holds the first approver's patch")?
        .clone();
    patch.sort_by_key(|op| op["path"].as_str().map(str::to_owned));
    ensure!(
        patch
            == [
                json!({"op": "replace", "path": "/score", "value": CORRECTED_SCORE}),
                json!({"op": "replace", "path": "/verdict", "value": verdict}),
            ],
        "the patch against the AI's output is the two fields changed: {patch:?}"
    );
    ensure!(
        second["correction"].is_null() && second["patch"].is_null(),
        "the second approver approved the first version as it stands: {second}"
    );
    server.shutdown().await;
    Ok(())
}

/// A queue over the SQLite database under `work` with the record's policy, listening on `listen`.
async fn start(work: &Path, listen: &str) -> Result<RunningServer> {
    let mut options = ServeOptions::new(format!("sqlite://{}", work.join("queue.db").display()));
    options.listen = listen.to_owned();
    options.policy = Policy::parse(
        &DEFAULT_POLICY_TOML.replacen("[[rules]]", &format!("{RECORD_RULES}[[rules]]"), 1),
        "record.rs",
    )?;
    Ok(countersign_queue::start(options).await?)
}

/// The demo kinds registered (the transaction's output schema lists its verdicts), two reviewers and
/// one payment under four eyes.
async fn seed(server: &RunningServer) -> Result<Seeded> {
    let state = &server.state;
    let now = state.now();
    let first_token = auth::add_user(&state.db, FIRST, Role::Reviewer, now).await?;
    let second_token = auth::add_user(&state.db, SECOND, Role::Reviewer, now).await?;
    let producer_token = auth::add_user(&state.db, PRODUCER, Role::Producer, now).await?;
    kinds::ensure(state, "e2e-admin", &countersign_demo::demo_kinds()).await?;
    let payment = countersign_demo::demo_items(30, 10, now)
        .into_iter()
        .find(|i| i.kind == "transaction")
        .context("the demo pool has a payment")?;
    let payment = submit_for_review(state, payment, 90, "e2e-record-payment").await?;
    let item = item_as_producer(server, &producer_token, &payment).await?;
    let ai_output = item["ai"]["output"].clone();
    ensure!(
        item["approvals_required"] == 2 && item["routing_rule"] == "payments-four-eyes",
        "the payment is under four eyes: {item}"
    );
    Ok(Seeded {
        payment,
        ai_output,
        producer_token,
        first_token,
        second_token,
    })
}

/// A verdict the AI did not give.
fn other_verdict(ai_output: &Value) -> Result<&'static str> {
    let given = ai_output["verdict"]
        .as_str()
        .context("the AI gave a verdict")?;
    Ok(if given == "block" { "allow" } else { "block" })
}

/// The audit entries about `id` the server holds, as `holder` asks for them.
async fn history(server: &RunningServer, holder: &str, id: &str) -> Result<Vec<Value>> {
    let response = countersign_testkit::http_client()
        .get(format!("{}/v1/items/{id}/history", server.url()))
        .bearer_auth(holder)
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "GET history: {}",
        response.status()
    );
    let story: Value = response.json().await?;
    story["entries"]
        .as_array()
        .cloned()
        .context("the history lists entries")
}

/// The comments with `text` among `entries`.
fn comments_with(entries: &[Value], text: &str) -> usize {
    entries
        .iter()
        .filter(|e| e["action"] == "comment" && e["data"]["note"] == text)
        .count()
}

/// Opens the payment's timeline and comments on it, then corrects two fields and approves.
async fn first_reviewer(
    wd: &WebDriver,
    output: &Path,
    server: &RunningServer,
    seeded: &Seeded,
    verdict: &str,
) -> Result<()> {
    let id = &seeded.payment;
    let mut axe = a11y::Axe::load()?;
    open_listed(wd, id).await?;

    // `h` opens the timeline: the server's story of the payment so far.
    leave_fields(wd).await?;
    wd.keys(&["h"]).await?;
    wd.wait_until(
        "h opens the server's timeline with the submission and the routing",
        Duration::from_secs(30),
        || async {
            Ok(wd
                .count(r#"[data-testid="timeline-panel"][data-open="true"][data-source="server"]"#)
                .await?
                == 1
                && wd
                    .count(r#"[data-testid="timeline-entry"][data-action="submit"]"#)
                    .await?
                    == 1
                && wd
                    .count(r#"[data-testid="timeline-entry"][data-action="route"]"#)
                    .await?
                    == 1)
        },
    )
    .await?;
    let routed = wd
        .text(r#"[data-testid="timeline-entry"][data-action="route"]"#)
        .await?;
    ensure!(
        routed.contains("payments-four-eyes"),
        "the routing entry names its rule: {routed}"
    );

    // A comment, Ctrl+Enter: through the outbox to the server, once, then the server's entry.
    wd.type_into(r#"[data-testid="comment-field"]"#, COMMENT)
        .await?;
    wd.keys(&[CONTROL, ENTER]).await?;
    all_uploaded(wd, "the comment uploaded").await?;
    wd.wait_until(
        "the comment in the server's history",
        Duration::from_secs(30),
        || async {
            Ok(comments_with(&history(server, &seeded.first_token, id).await?, COMMENT) > 0)
        },
    )
    .await?;
    wd.wait_until(
        "the comment shown as the server's entry, no longer as pending",
        Duration::from_secs(30),
        || async {
            Ok(wd
                .count(r#"[data-testid="timeline-entry"][data-action="comment"]"#)
                .await?
                == 1
                && wd.count(r#"[data-testid="timeline-comment"]"#).await? == 0)
        },
    )
    .await?;
    let shown = wd
        .text(r#"[data-testid="timeline-entry"][data-action="comment"]"#)
        .await?;
    ensure!(
        shown.contains(COMMENT) && shown.contains(FIRST),
        "the timeline shows who commented what: {shown}"
    );
    let on_server = comments_with(&history(server, &seeded.first_token, id).await?, COMMENT);
    ensure!(
        on_server == 1,
        "the comment is on the server exactly once, not {on_server} times"
    );
    wd.execute(
        "document.querySelector('[data-testid=timeline-panel]').scrollIntoView({block: 'start'});",
    )
    .await?;
    a11y::two_frames(wd).await?;
    wd.screenshot(&output.join("timeline.png")).await?;
    axe.check(wd, "timeline").await?;

    // `e`: the field-level editor; the verdict picked from its list, the score typed over.
    leave_fields(wd).await?;
    wd.keys(&["e"]).await?;
    let verdict_input = r#"[data-testid="edit-panel"] select[data-pointer="/verdict"]"#;
    let score_input = r#"[data-testid="edit-panel"] input[data-pointer="/score"]"#;
    wd.wait_for(verdict_input, Duration::from_secs(10)).await?;
    wd.wait_for(score_input, Duration::from_secs(10)).await?;
    // The options are the schema's verdicts, shown by name.
    let picked = wd
        .execute(&format!(
            "const s = document.querySelector('{}'); \
             const name = t => t.toLowerCase().replace(/[^a-z]/g, ''); \
             const o = [...s.options].find(o => name(o.textContent) === name('{verdict}')); \
             if (!o) return false; s.value = o.value; \
             s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;",
            verdict_input.replace('\'', "\\'")
        ))
        .await?;
    ensure!(picked == true, "the verdicts offered include {verdict}");
    wd.click(score_input).await?;
    wd.keys(&[CONTROL, "a"]).await?;
    wd.type_into(score_input, &CORRECTED_SCORE.to_string())
        .await?;
    wd.type_into(r#"[data-testid="rationale-field"]"#, RATIONALE)
        .await?;
    wd.wait_until(
        "the field diff under the editor lists the verdict and the score",
        Duration::from_secs(15),
        || async {
            Ok(wd
                .count(r#"[data-testid="edit-panel"] [data-testid="field-diff"] tr[data-path="/verdict"]"#)
                .await?
                == 1
                && wd
                    .count(r#"[data-testid="edit-panel"] [data-testid="field-diff"] tr[data-path="/score"]"#)
                    .await?
                    == 1)
        },
    )
    .await?;
    axe.check(wd, "structured correction").await?;
    wd.click(r#"[data-testid="action-edit-confirm"]"#).await?;
    wd.wait_status(id, "decided|uploaded").await?;
    all_uploaded(wd, "the correction uploaded").await?;
    axe.print();
    Ok(())
}

/// Opens the payment in its second approval: the first approver's version and its diff; approves it.
async fn second_reviewer(
    wd: &WebDriver,
    output: &Path,
    seeded: &Seeded,
    verdict: &str,
) -> Result<()> {
    let id = &seeded.payment;
    let mut axe = a11y::Axe::load()?;
    open_listed(wd, id).await?;
    let panel = r#"[data-testid="second-approval"]"#;
    wd.wait_for(panel, Duration::from_secs(15)).await?;
    let heading = wd.text(panel).await?;
    ensure!(
        heading.contains(FIRST),
        "the panel names the first approver: {heading}"
    );
    let rationale = wd.text(r#"[data-testid="first-rationale"]"#).await?;
    ensure!(
        rationale == RATIONALE,
        "the first approver's rationale is shown: {rationale}"
    );
    let rows: Value = wd
        .execute(
            "return [...document.querySelectorAll('[data-testid=second-approval] [data-testid=field-diff] tr[data-path]')]\
             .map(r => [r.dataset.path, r.querySelector('del') && r.querySelector('del').textContent, \
             r.querySelector('ins') && r.querySelector('ins').textContent]);",
        )
        .await?;
    let ai_verdict = seeded.ai_output["verdict"].as_str().unwrap_or_default();
    let ai_score = &seeded.ai_output["score"];
    let shows = |path: &str, before: &str, after: &str| {
        rows.as_array().is_some_and(|rows| {
            rows.iter().any(|r| {
                r[0] == path
                    && r[1].as_str().is_some_and(|d| d.contains(before))
                    && r[2].as_str().is_some_and(|i| i.contains(after))
            })
        })
    };
    ensure!(
        rows.as_array().map(Vec::len) == Some(2)
            && shows("/verdict", ai_verdict, verdict)
            && shows(
                "/score",
                &ai_score.to_string(),
                &CORRECTED_SCORE.to_string()
            ),
        "the field diff shows the AI's verdict and score against the first approver's: {rows}"
    );
    wd.execute(&format!(
        "document.querySelector('{panel}').scrollIntoView({{block: 'start'}});"
    ))
    .await?;
    a11y::two_frames(wd).await?;
    wd.screenshot(&output.join("structured-diff.png")).await?;
    axe.check(wd, "second approval").await?;

    // `a` approves that version (after the confirmation, should the app ask for one).
    leave_fields(wd).await?;
    wd.keys(&["a"]).await?;
    approved(wd, id).await?;
    all_uploaded(wd, "the second approval uploaded").await?;
    axe.print();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn a_clinician_signs_two_approvals_with_the_pin_one_while_the_queue_is_down() {
    if let Err(error) = signing_scenario().await {
        panic!("desktop end-to-end test of signatures failed: {error:#}");
    }
}

async fn signing_scenario() -> Result<()> {
    let harness = Harness::from_env()?;
    let work = tempfile::tempdir()?;
    let server = start(work.path(), "127.0.0.1:0").await?;
    let state = &server.state;
    let now = state.now();
    let token = auth::add_user(&state.db, CLINICIAN, Role::Reviewer, now).await?;
    let producer_token = auth::add_user(&state.db, PRODUCER, Role::Producer, now).await?;
    let change = UserChange {
        full_name: Some(FULL_NAME.to_owned()),
        ..UserChange::default()
    };
    users::update(state, "e2e-admin", CLINICIAN, &change).await?;
    signing::set_pin(state, CLINICIAN, &token, CLINICIAN_PIN, None).await?;
    let mut clinical = Vec::new();
    let pool = countersign_demo::demo_items(30, 14, now);
    for (index, item) in pool
        .into_iter()
        .filter(|i| i.kind == "clinical_suggestion")
        .take(2)
        .enumerate()
    {
        let priority = 90 - i64::try_from(index)?;
        let external = format!("e2e-record-clinical-{index}");
        clinical.push(submit_for_review(state, item, priority, &external).await?);
    }
    let [online, offline] = clinical.as_slice() else {
        anyhow::bail!("the demo pool has two clinical suggestions");
    };

    let (driver, wd) = harness
        .launch_signed_in(&server, &token, work.path())
        .await?;
    let result = sign_both(&wd, &harness.output, server, work.path(), online, offline).await;
    let _ = wd.quit().await;
    drop(driver);
    let (server, reconnected_at) = result?;

    for id in [online, offline] {
        let item = item_as_producer(&server, &producer_token, id).await?;
        let d = one_decision(&item, CLINICIAN, "approve")?;
        ensure!(
            d["signature"]["signer_name"] == FULL_NAME && d["signature"]["meaning"] == "approval",
            "the decision carries the manifest with the full name and meaning: {d}"
        );
    }
    let item = item_as_producer(&server, &producer_token, offline).await?;
    let signed_at: chrono::DateTime<chrono::Utc> = serde_json::from_value(
        one_decision(&item, CLINICIAN, "approve")?["signature"]["signed_at"].clone(),
    )?;
    ensure!(
        signed_at <= reconnected_at,
        "the offline approval was signed before the queue came back ({signed_at} > {reconnected_at})"
    );
    server.shutdown().await;
    Ok(())
}

/// Signs `online` with the PIN, stops the queue, signs `offline`, restarts the queue on the same port
/// and database; returns it and when it came back.
async fn sign_both(
    wd: &WebDriver,
    output: &Path,
    server: RunningServer,
    work: &Path,
    online: &str,
    offline: &str,
) -> Result<(RunningServer, chrono::DateTime<chrono::Utc>)> {
    let mut axe = a11y::Axe::load()?;
    wd.wait_until(
        "both clinical items listed, online",
        Duration::from_secs(60),
        || async {
            Ok(wd.count(r#"[data-testid="inbox-row"]"#).await? >= 2
                && wd
                    .attr(r#"[data-testid="status-online"]"#, "data-online")
                    .await?
                    == "true")
        },
    )
    .await?;

    // Online: the panel shows what will be signed; the PIN typed, Ctrl+Enter.
    sign(wd, online, Some((output, &mut axe))).await?;
    all_uploaded(wd, "the signed approval uploaded").await?;

    // Offline: the key sealed in the keyring signs without the queue.
    let port = server.addr.port();
    server.shutdown().await;
    sign(wd, offline, None).await?;
    // The decision, kept here until the queue is back, shows its manifest.
    wd.select_by_keyboard(offline).await?;
    let manifest = r#"[data-testid="decided-banner"] [data-testid="signature-manifest"]"#;
    wd.wait_for(manifest, Duration::from_secs(15)).await?;
    let shown = wd.text(manifest).await?;
    ensure!(
        shown.contains(FULL_NAME) && shown.contains("approval"),
        "the decision shows its manifest: {shown}"
    );
    status_bar_shows(
        wd,
        "offline with the signed approval pending",
        Some(false),
        1,
        Duration::from_secs(60),
    )
    .await?;
    painted_screenshot(wd, &output.join("signed.png")).await?;

    let restarted = start(work, &format!("127.0.0.1:{port}")).await?;
    let reconnected_at = restarted.state.now();
    status_bar_shows(
        wd,
        "back online, nothing pending",
        Some(true),
        0,
        Duration::from_secs(120),
    )
    .await?;
    axe.print();
    Ok((restarted, reconnected_at))
}

/// Opens `id`, checks the sign-off panel's manifest and signs the approval with the PIN; with `shot`,
/// saves `sign-off.png` before signing.
async fn sign(wd: &WebDriver, id: &str, shot: Option<(&Path, &mut a11y::Axe)>) -> Result<()> {
    wd.select_by_keyboard(id).await?;
    wd.wait_for(r#"[data-testid="sign-off"]"#, Duration::from_secs(15))
        .await?;
    let statement = wd.text(r#"[data-testid="signature-statement"]"#).await?;
    ensure!(
        statement.contains(FULL_NAME) && statement.contains("approval"),
        "the panel says who signs, meaning what: {statement}"
    );
    // The producer asks for the attestation too: ticked first.
    if wd.count(r#"[data-testid="attestation-checkbox"]"#).await? > 0 {
        wd.click(r#"[data-testid="attestation-checkbox"]"#).await?;
    }
    wd.type_into(r#"[data-testid="signing-pin-field"]"#, CLINICIAN_PIN)
        .await?;
    if let Some((output, axe)) = shot {
        wd.execute(
            "document.querySelector('[data-testid=sign-off]').scrollIntoView({block: 'center'});",
        )
        .await?;
        a11y::two_frames(wd).await?;
        painted_screenshot(wd, &output.join("sign-off.png")).await?;
        axe.check(wd, "sign-off with the PIN").await?;
        wd.click(r#"[data-testid="signing-pin-field"]"#).await?;
    }
    wd.keys(&[CONTROL, ENTER]).await?;
    approved(wd, id).await
}

/// Waits for the approval of `id` just asked for to be recorded, confirming it first when the app asks
/// (an approval of what the AI flags).
pub(super) async fn approved(wd: &WebDriver, id: &str) -> Result<()> {
    let status = || async {
        let script = format!(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('get_assignment', {{ itemId: '{id}' }})\
             .then(v => done(v.summary.status), e => done('error: ' + JSON.stringify(e)));"
        );
        Ok::<String, anyhow::Error>(
            wd.execute_async(&script)
                .await?
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    wd.wait_until(
        "the approval recorded or its confirmation asked",
        Duration::from_secs(15),
        || async {
            Ok(wd.count(r#"[data-testid="confirm-panel"]"#).await? > 0
                || matches!(status().await?.as_str(), "decided" | "uploaded"))
        },
    )
    .await?;
    if wd.count(r#"[data-testid="confirm-panel"]"#).await? > 0 {
        wd.click(r#"[data-testid="action-approve-confirm"]"#)
            .await?;
    }
    wd.wait_status(id, "decided|uploaded").await
}

/// Saves a screenshot of the window once it is painted: WebKitWebDriver sometimes hands back an
/// all-black frame (a PNG of a few kilobytes) right after focus moves, so such a frame is taken again.
pub(super) async fn painted_screenshot(wd: &WebDriver, path: &Path) -> Result<()> {
    const BLANK_BELOW_BYTES: u64 = 16 * 1024;
    for _ in 0..10 {
        a11y::two_frames(wd).await?;
        wd.screenshot(path).await?;
        if std::fs::metadata(path)?.len() >= BLANK_BELOW_BYTES {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    anyhow::bail!("the window stayed blank for {}", path.display())
}

/// Waits for `id` in the inbox and opens it with the keyboard.
pub(super) async fn open_listed(wd: &WebDriver, id: &str) -> Result<()> {
    wd.wait_for(
        &format!(r#"[data-testid="inbox-row"][data-item-id="{id}"]"#),
        Duration::from_secs(60),
    )
    .await?;
    wd.select_by_keyboard(id).await
}

/// Takes the focus out of any text field, so that the next key is a shortcut.
pub(super) async fn leave_fields(wd: &WebDriver) -> Result<()> {
    wd.keys(&[ESCAPE]).await?;
    wd.execute("document.activeElement && document.activeElement.blur();")
        .await?;
    Ok(())
}
