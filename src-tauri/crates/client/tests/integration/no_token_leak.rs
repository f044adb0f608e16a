//! After a whole session (token from the environment, sync, decide, sync, watch, a refused token) the
//! reviewer's token appears nowhere: not in any file of the client's data directory (SQLite WAL and
//! shared memory included, looked at while a watcher holds them open and after), not in anything the
//! client printed, not in the queue service's database or logs, all at the most verbose log level. The
//! queue keeps only the token's SHA-256, which is checked to be there, so the search looks in the right
//! place.

use std::path::Path;
use std::time::Duration;

use sqlx::{Connection, PgConnection};

use crate::support::Reviewer;
use countersign_testkit::{Backend, QueueProcess, on_both_backends};

const VERBOSE: &str = "trace";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir`, recursively, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out
}

fn assert_no_token(what: &str, bytes: &[u8], token: &str) {
    assert!(
        !contains(bytes, token.as_bytes()),
        "the token leaked into {what}"
    );
}

/// What each client process printed, kept for the search.
#[derive(Default)]
struct Printed(Vec<u8>);

impl Printed {
    async fn run(&mut self, reviewer: &Reviewer, args: &[&str]) -> bool {
        let output = reviewer
            .command(args)
            .env("COUNTERSIGN_LOG", VERBOSE)
            .env("RUST_LOG", VERBOSE)
            .output()
            .await
            .expect("run countersign-cli");
        self.0.extend_from_slice(&output.stdout);
        self.0.extend_from_slice(&output.stderr);
        output.status.success()
    }
}

async fn no_token_in_files_logs_or_database(backend: Backend) {
    let queue = QueueProcess::start_with_env(
        backend,
        Some("prefetch = 100\n"),
        &[("RUST_LOG", VERBOSE), ("COUNTERSIGN_LOG", VERBOSE)],
    )
    .await;
    for n in 0..8 {
        queue.submit(&format!("leak-{n}")).await;
    }
    let alice = Reviewer::new(&queue, "alice", "reviewer").await;
    let token = alice.token.clone();
    assert!(token.len() >= 20, "a real token: {} chars", token.len());
    let mut printed = Printed::default();

    assert!(printed.run(&alice, &["sync"]).await);
    let ids: Vec<String> = alice.item_ids().await;
    assert_eq!(ids.len(), 8);
    assert!(printed.run(&alice, &["decide", &ids[0], "approve"]).await);
    assert!(
        printed
            .run(
                &alice,
                &["decide", &ids[1], "reject", "--reason", "card_testing"]
            )
            .await
    );
    assert!(printed.run(&alice, &["sync"]).await);
    assert!(printed.run(&alice, &["status", "--json"]).await);
    assert!(printed.run(&alice, &["list", "--json"]).await);
    assert!(printed.run(&alice, &["show", &ids[2], "--json"]).await);

    // A watcher holds the store open (WAL and shared memory present) while another decision is made.
    let mut watch = alice
        .command(&["sync", "--watch"])
        .env("COUNTERSIGN_LOG", VERBOSE)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start sync --watch");
    assert!(printed.run(&alice, &["decide", &ids[2], "escalate"]).await);
    let mut uploaded = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if alice.status_of(&ids[2]).await.as_deref() == Some("uploaded") {
            uploaded = true;
            break;
        }
    }
    assert!(uploaded, "the watcher uploaded the escalation");
    let open_files = files(alice.data_dir());
    assert!(
        open_files.iter().any(|(name, _)| name.ends_with("-wal")),
        "the WAL is looked at too: {:?}",
        open_files.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for (name, bytes) in &open_files {
        assert_no_token(&format!("{name} (watcher running)"), bytes, &token);
    }
    watch.start_kill().expect("stop the watcher");
    let watch_output = watch.wait_with_output().await.expect("watcher output");
    printed.0.extend_from_slice(&watch_output.stdout);
    printed.0.extend_from_slice(&watch_output.stderr);

    // A refused token is not echoed back either.
    let canary = format!("canary-{}", uuid::Uuid::now_v7().simple());
    let intruder = Reviewer {
        dir: tempfile::tempdir().expect("temp dir"),
        token: canary.clone(),
        server: queue.url(),
    };
    let mut refused = Printed::default();
    assert!(!refused.run(&intruder, &["sync"]).await);
    assert!(
        String::from_utf8_lossy(&refused.0).contains("401"),
        "the refusal is explained"
    );
    assert_no_token("what a refused client printed", &refused.0, &canary);
    for (name, bytes) in files(intruder.data_dir()) {
        assert_no_token(&name, &bytes, &canary);
    }

    // The client's data directory after the session, and everything it printed.
    let closed_files = files(alice.data_dir());
    for (name, bytes) in &closed_files {
        assert_no_token(name, bytes, &token);
    }
    assert!(
        printed.0.len() > 1000,
        "the verbose logs were captured: {} bytes",
        printed.0.len()
    );
    assert_no_token("what the client printed", &printed.0, &token);

    // The queue service: its logs and its database hold the hash, never the token.
    let logs = queue.logs();
    assert!(!logs.is_empty(), "the queue's logs were captured");
    assert_no_token("the queue service's logs", &logs, &token);
    assert_no_token("the queue service's logs", &logs, &canary);
    let hash = sha256_hex(&token).await;
    let database = match backend {
        Backend::Sqlite => {
            let mut all = Vec::new();
            for (name, bytes) in files(queue.dir.path()) {
                if name.contains("queue.db") {
                    all.extend(bytes);
                }
            }
            all
        }
        Backend::Postgres => postgres_text(&queue.database).await,
    };
    assert!(
        contains(&database, hash.as_bytes()),
        "the token's SHA-256 is stored, so the search sees the users table"
    );
    assert_no_token("the queue service's database", &database, &token);
    assert_no_token("the queue service's database", &database, &canary);
    eprintln!(
        "searched {} client files ({} bytes), {} bytes of client output, {} bytes of queue logs, \
         {} bytes of queue database: no token",
        open_files.len() + closed_files.len(),
        closed_files.iter().map(|(_, b)| b.len()).sum::<usize>(),
        printed.0.len(),
        logs.len(),
        database.len()
    );
}

/// The hex SHA-256 of `text`, by coreutils (keeps hashing crates out of this package's dependencies).
async fn sha256_hex(text: &str) -> String {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run sha256sum");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(text.as_bytes()).await.expect("write");
    drop(stdin);
    let output = child.wait_with_output().await.expect("sha256sum output");
    let hash: String = String::from_utf8_lossy(&output.stdout)
        .chars()
        .take(64)
        .collect();
    assert_eq!(hash.len(), 64, "sha256sum printed a hash");
    hash
}

/// Every row of every table in the queue's PostgreSQL database, as text.
async fn postgres_text(url: &str) -> Vec<u8> {
    let mut db = PgConnection::connect(url).await.expect("connect");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(table_name) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut db)
    .await
    .expect("tables");
    let mut all = Vec::new();
    for table in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {table} t"))
            .fetch_all(&mut db)
            .await
            .expect("rows");
        for row in rows {
            all.extend(row.into_bytes());
            all.push(b'\n');
        }
    }
    db.close().await.expect("close");
    all
}

on_both_backends!(worker_threads = 2; no_token_in_files_logs_or_database);
