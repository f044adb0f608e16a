//! The admin view and the end of a shift in the real app (issue 9, items 2 and 5): an admin signs in
//! against a real queue with the demo teams and work, sees the users and the queue health, disables and
//! enables a reviewer (their token refused, then taken again), rotates a token and sees it once; then
//! the same app signs in as a fraud reviewer, who ends the shift with a note, and the next holder's
//! pull carries that note as the item's `handoff`. The admin view's screenshot is `admin.png`
//! (README.md shows it from docs/screenshots/).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use countersign_domain::Role;
use countersign_queue::auth::{self, UserSpec};
use countersign_queue::{Clock, Db, Policy, RunningServer, ServeOptions, SystemClock, teams};
use countersign_tests::webdriver::WebDriver;
use serde_json::{Value, json};

use super::{ENTER, PRODUCER, sign_in, submit_for_review};

const ADMIN: &str = "e2e-admin";
const LEAVING: &str = "e2e-ana";
const NEXT: &str = "e2e-bo";
const HANDOFF_NOTE: &str = "Card 4417 is a known customer; call the bank back after 9.";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a display, WebKitWebDriver and tauri-driver: run scripts/desktop-e2e.sh"]
async fn an_admin_manages_users_and_a_reviewer_hands_the_shift_on() {
    if let Err(error) = scenario().await {
        panic!("admin end-to-end test failed: {error:#}");
    }
}

struct Tokens {
    admin: String,
    leaving: String,
    next: String,
}

async fn scenario() -> Result<()> {
    let harness = super::Harness::from_env()?;
    let work = tempfile::tempdir()?;
    let db_url = format!("sqlite://{}", work.path().join("queue.db").display());
    // The demo policy routes each kind to its team; the teams exist before it is loaded.
    let db = Db::open(&db_url).await?;
    teams::ensure(&db, &teams::DEMO_TEAMS, SystemClock.now()).await?;
    db.pool.close().await;
    let mut options = ServeOptions::new(db_url);
    options.policy = Policy::demo();
    let server = countersign_queue::start(options).await?;
    let tokens = seed(&server).await?;

    let (driver, wd) = harness
        .launch(&[
            ("COUNTERSIGN_SERVER", server.url()),
            (
                "COUNTERSIGN_DATA_DIR",
                work.path().join("app").display().to_string(),
            ),
        ])
        .await?;
    let result = drive(&wd, &server, &harness.output, tokens).await;
    let _ = wd.quit().await;
    result?;
    server.shutdown().await;
    drop(driver);
    Ok(())
}

/// The admin, two fraud reviewers, and work of each kind (routed to its team by the demo policy).
async fn seed(server: &RunningServer) -> Result<Tokens> {
    let state = &server.state;
    let now = state.now();
    let user = |name: &'static str, role: Role, team: Option<&'static str>| async move {
        let teams: Vec<String> = team.into_iter().map(str::to_owned).collect();
        let spec = UserSpec {
            name,
            role,
            teams: &teams,
            token_expires_at: None,
        };
        auth::add_user_with(&state.db, &spec, now).await
    };
    let tokens = Tokens {
        admin: user(ADMIN, Role::Admin, None).await?,
        leaving: user(LEAVING, Role::Reviewer, Some("fraud")).await?,
        next: user(NEXT, Role::Reviewer, Some("fraud")).await?,
    };
    user(PRODUCER, Role::Producer, None).await?;
    for (index, item) in countersign_demo::demo_items(9, 21, now)
        .into_iter()
        .enumerate()
    {
        submit_for_review(state, item, 50, &format!("e2e-admin-{index}")).await?;
    }
    Ok(tokens)
}

async fn drive(
    wd: &WebDriver,
    server: &RunningServer,
    output: &Path,
    tokens: Tokens,
) -> Result<()> {
    let api = Api::new(server);
    sign_in(wd, server, &tokens.admin).await?;
    wd.wait_for(r#"[data-testid="admin-view"]"#, Duration::from_secs(30))
        .await?;
    wd.wait_until(
        "the users and the health of each team's queue",
        Duration::from_secs(30),
        || async {
            Ok(wd.count(r#"[data-testid="user-row"]"#).await? == 4
                && wd
                    .count(r#"[data-testid="health-row"][data-team="fraud"]"#)
                    .await?
                    > 0)
        },
    )
    .await?;
    ensure!(
        wd.count(r#"[data-testid="inbox-row"]"#).await? == 0,
        "an admin's app shows no inbox"
    );
    wd.screenshot(&output.join("admin.png")).await?;
    let mut axe = super::a11y::Axe::load()?;
    axe.check(wd, "admin view").await?;

    // Disable, with confirmation: the reviewer's token is refused at once; enable: taken again.
    let row = |name: &str| format!(r#"[data-testid="user-row"][data-user="{name}"]"#);
    for (disabled, status) in [("true", 401), ("false", 200)] {
        wd.click(&format!(r#"{} [data-testid="user-toggle"]"#, row(LEAVING)))
            .await?;
        wd.wait_for(r#"[data-testid="toggle-dialog"]"#, Duration::from_secs(10))
            .await?;
        if disabled == "true" {
            axe.check(wd, "disable dialog").await?;
        }
        wd.click(r#"[data-testid="toggle-confirm"]"#).await?;
        wd.wait_until(
            "the user's new state listed",
            Duration::from_secs(30),
            || async { Ok(wd.attr(&row(LEAVING), "data-disabled").await? == disabled) },
        )
        .await?;
        let me = api.status("GET", "/v1/me", &tokens.leaving, None).await?;
        ensure!(
            me == status,
            "{LEAVING} disabled={disabled}: /v1/me answered {me}"
        );
    }

    // A new token, shown once: the old one is refused, the new one works, the window forgets it.
    wd.click(&format!(r#"{} [data-testid="user-rotate"]"#, row(NEXT)))
        .await?;
    wd.wait_for(r#"[data-testid="token-dialog"]"#, Duration::from_secs(10))
        .await?;
    wd.click(r#"[data-testid="token-issue"]"#).await?;
    wd.wait_for(r#"[data-testid="issued-token"]"#, Duration::from_secs(30))
        .await?;
    let next = wd.attr(r#"[data-testid="issued-token"]"#, "value").await?;
    ensure!(next.starts_with("cs_"), "a token is shown: {next:?}");
    ensure!(api.status("GET", "/v1/me", &tokens.next, None).await? == 401);
    ensure!(api.status("GET", "/v1/me", &next, None).await? == 200);
    axe.check(wd, "token shown once").await?;
    wd.click(r#"[data-testid="token-done"]"#).await?;
    let kept = wd
        .execute(&format!(
            "return document.documentElement.outerHTML.includes('{next}') \
             || JSON.stringify(localStorage).includes('{next}');"
        ))
        .await?;
    ensure!(kept == json!(false), "the token is gone from the window");

    // The same app signs in as a fraud reviewer, who holds the fraud work; the next holder is active.
    wd.click(r#"[data-testid="open-settings"]"#).await?;
    wd.wait_for(
        r#"[data-testid="settings-dialog"]"#,
        Duration::from_secs(10),
    )
    .await?;
    wd.type_into(
        r#"[data-testid="settings-dialog"] [data-testid="sign-in-token"]"#,
        &tokens.leaving,
    )
    .await?;
    wd.keys(&[ENTER]).await?;
    wd.wait_until(
        "the reviewer's inbox with the fraud work",
        Duration::from_secs(60),
        || async {
            Ok(wd.count(r#"[data-testid="admin-view"]"#).await? == 0
                && wd.count(r#"[data-testid="inbox-row"]"#).await? > 0)
        },
    )
    .await?;
    ensure!(
        api.pull(&next).await?.is_empty(),
        "{LEAVING} holds the fraud work"
    );
    let held = wd.count(r#"[data-testid="inbox-row"]"#).await?;

    // End shift: the dialog says how many go back, the note is typed, the result announced.
    wd.click(r#"[data-testid="open-shift-end"]"#).await?;
    wd.wait_for(r#"[data-testid="shift-dialog"]"#, Duration::from_secs(10))
        .await?;
    wd.wait_until(
        "the count of items going back",
        Duration::from_secs(10),
        || async {
            Ok(wd
                .text(r#"[data-testid="shift-count"]"#)
                .await?
                .starts_with(&held.to_string()))
        },
    )
    .await?;
    wd.type_into(r#"[data-testid="shift-note"]"#, HANDOFF_NOTE)
        .await?;
    axe.check(wd, "end shift dialog").await?;
    wd.click(r#"[data-testid="shift-confirm"]"#).await?;
    wd.wait_until(
        "the end of the shift announced",
        Duration::from_secs(30),
        || async {
            Ok(wd
                .text(r#"[data-testid="announcer"]"#)
                .await?
                .contains(&format!("Shift ended: {held} items handed on")))
        },
    )
    .await?;

    let granted = api.pull(&next).await?;
    ensure!(
        granted.len() == held,
        "{NEXT} is granted the {held} items handed on, got {}",
        granted.len()
    );
    for assignment in &granted {
        let handoff = &assignment["item"]["handoff"];
        ensure!(
            handoff["by"] == LEAVING && handoff["note"] == HANDOFF_NOTE,
            "the note reaches the next holder: {handoff}"
        );
    }
    Ok(())
}

/// The queue's HTTP API, as the other people in the story use it.
struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    fn new(server: &RunningServer) -> Self {
        Self {
            http: countersign_testkit::http_client(),
            url: server.url(),
        }
    }

    async fn status(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Result<u16> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Ok(request.send().await?.status().as_u16())
    }

    /// A first pull by a new client of `token`'s user: the assignments granted.
    async fn pull(&self, token: &str) -> Result<Vec<Value>> {
        let response = self
            .http
            .post(format!("{}/v1/sync/pull", self.url))
            .bearer_auth(token)
            .json(&json!({"client_id": uuid::Uuid::now_v7()}))
            .send()
            .await?;
        ensure!(
            response.status().is_success(),
            "pull: {}",
            response.status()
        );
        let body: Value = response.json().await?;
        body["assignments"]
            .as_array()
            .cloned()
            .context("a pull answers assignments")
    }
}
