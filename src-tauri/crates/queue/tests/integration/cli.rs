//! The `countersign-queue` binary as an operator uses it: real processes, real signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_countersign-queue");

pub(super) fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("COUNTERSIGN_DATABASE_URL")
        .env_remove("COUNTERSIGN_WEBHOOK_SECRET")
        .output()
        .expect("countersign-queue runs")
}

pub(super) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(super) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on a free port and waits for its "listening on" line.
fn serve(database: &str) -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--database", database, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reads the first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Served { child, url }
}

#[test]
fn user_add_prints_only_the_token_and_refuses_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/nested/dir/queue.db", dir.path().display());
    let added = run(&[
        "user",
        "add",
        "rita",
        "--role",
        "reviewer",
        "--database",
        &database,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let out = stdout(&added);
    assert_eq!(
        out.lines().count(),
        1,
        "the token is the only line: {out:?}"
    );
    assert!(out.trim().starts_with("cs_") && out.trim().len() > 30);

    let again = run(&[
        "user",
        "add",
        "rita",
        "--role",
        "senior",
        "--database",
        &database,
    ]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert!(stdout(&again).is_empty());

    let old = out.trim().to_owned();
    let rotated = run(&["user", "token", "rita", "--database", &database]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let new = stdout(&rotated).trim().to_owned();
    assert!(new.starts_with("cs_") && new != old);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = countersign_queue::Db::open(&database).await.expect("open");
        let who = |token: String| {
            let db = db.clone();
            async move {
                countersign_queue::auth::authenticate(&db, &token)
                    .await
                    .expect("query")
            }
        };
        assert!(who(old).await.is_none(), "the old token stops working");
        assert_eq!(
            who(new).await.map(|caller| caller.name).as_deref(),
            Some("rita")
        );
    });
    let unknown = run(&["user", "rotate-token", "nobody", "--database", &database]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("no user named"));

    let bad_role = run(&[
        "user",
        "add",
        "x",
        "--role",
        "boss",
        "--database",
        &database,
    ]);
    assert!(!bad_role.status.success());
    assert!(stderr(&bad_role).contains("unknown role"));

    let bad_url = run(&[
        "user",
        "add",
        "x",
        "--role",
        "admin",
        "--database",
        "mysql://nope",
    ]);
    assert!(!bad_url.status.success());
    assert!(
        stderr(&bad_url).contains("sqlite://"),
        "{}",
        stderr(&bad_url)
    );
}

#[test]
fn serve_answers_and_stops_on_sigterm_within_ten_seconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/queue.db", dir.path().display());
    let seeded = run(&["seed-demo", "--count", "30", "--database", &database]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let token = stdout(&run(&[
        "user",
        "add",
        "sam",
        "--role",
        "senior",
        "--database",
        &database,
    ]))
    .trim()
    .to_owned();
    let mut served = serve(&database);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = served.url.clone();
    let stream = runtime.block_on(async {
        let http = countersign_testkit::http_client();
        let health: serde_json::Value = http
            .get(format!("{url}/healthz"))
            .send()
            .await
            .expect("healthz")
            .json()
            .await
            .expect("json");
        assert_eq!(health, serde_json::json!({"status": "ok"}));
        let pulled: serde_json::Value = http
            .post(format!("{url}/v1/sync/pull"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"client_id": uuid::Uuid::now_v7(), "cursor": null}))
            .send()
            .await
            .expect("pull")
            .json()
            .await
            .expect("json");
        let kinds: std::collections::HashSet<&str> = pulled["assignments"]
            .as_array()
            .expect("assignments")
            .iter()
            .filter_map(|a| a["item"]["kind"].as_str())
            .collect();
        assert_eq!(kinds.len(), 5, "demo work of all five kinds: {kinds:?}");
        // seed-demo registered every demo kind before submitting.
        let registered: serde_json::Value = http
            .get(format!("{url}/v1/kinds"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("kinds")
            .json()
            .await
            .expect("json");
        let registered: std::collections::HashSet<&str> = registered["kinds"]
            .as_array()
            .expect("kinds")
            .iter()
            .filter_map(|k| k["kind"].as_str())
            .collect();
        assert_eq!(registered, kinds, "every demo kind is registered");
        // An open event stream must not hold up shutdown.
        http.get(format!("{url}/v1/events"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("events")
    });
    assert_eq!(stream.status(), 200);

    let pid = served.child.id().to_string();
    let started = Instant::now();
    let signalled = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(signalled.success());
    loop {
        if let Some(status) = served.child.try_wait().expect("wait") {
            assert!(status.success(), "clean exit after SIGTERM: {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn audit_verify_catches_a_tampered_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("queue.db");
    let database = format!("sqlite://{}", path.display());
    assert!(
        run(&["seed-demo", "--count", "5", "--database", &database])
            .status
            .success()
    );
    let verified = run(&["audit", "verify", "--database", &database]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(stdout(&verified).contains("intact"));

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = countersign_queue::Db::open(&database).await.expect("open");
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
            .execute(&db.pool)
            .await
            .expect("tamper");
        db.pool.close().await;
    });
    let broken = run(&["audit", "verify", "--database", &database]);
    assert!(!broken.status.success());
    assert!(stderr(&broken).contains("entry 4"), "{}", stderr(&broken));
}

#[test]
fn webhook_secret_is_made_once_and_export_is_jsonl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/queue.db", dir.path().display());
    let first = stdout(&run(&["webhook-secret", "--database", &database]));
    let second = stdout(&run(&["webhook-secret", "--database", &database]));
    assert!(first.starts_with("whsec_"));
    assert_eq!(first, second, "the generated secret is kept");

    assert!(
        run(&["seed-demo", "--count", "5", "--database", &database])
            .status
            .success()
    );
    for format in ["sft", "preference"] {
        let export = run(&[
            "export",
            "feedback",
            "--format",
            format,
            "--database",
            &database,
        ]);
        assert!(export.status.success(), "{}", stderr(&export));
        // Demo items are undecided and auto-approvals are not human feedback: nothing yet.
        assert_eq!(stdout(&export), "");
    }
    let bad = run(&[
        "export",
        "feedback",
        "--format",
        "csv",
        "--database",
        &database,
    ]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("sft or preference"));
}

#[test]
fn every_subcommand_creates_a_missing_postgres_database() {
    let database = countersign_testkit::postgres::fresh_database_url();
    let added = run(&[
        "user",
        "add",
        "root",
        "--role",
        "admin",
        "--database",
        &database,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let verified = run(&["audit", "verify", "--database", &database]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}
