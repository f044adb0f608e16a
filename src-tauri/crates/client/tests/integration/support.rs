//! What the core's tests over the real queue service add to `countersign-testkit` (which runs the
//! `countersign-queue` binary as a child process behind its fault proxy): a reviewer driving the real
//! `countersign-cli` on a data directory of its own; a fresh sync engine on the system clock.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use countersign_client::SystemClock;
use countersign_client::notify;
use countersign_client::remote::{QueueClient, Token};
use countersign_client::store::Store;
use countersign_client::sync::SyncEngine;
use countersign_testkit::QueueProcess;
use serde_json::Value;
use tokio::process::Command;

/// The audit entries about `item_id` whose action is `action`, in order, as the queue's admin reads them.
pub async fn audit_entries(queue: &QueueProcess, item_id: &str, action: &str) -> Vec<Value> {
    let audit = queue
        .http(
            "GET",
            &format!("/v1/audit?item_id={item_id}"),
            &queue.admin,
            None,
        )
        .await;
    audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == action)
        .cloned()
        .collect()
}

pub use countersign_client::notify::Recording;

pub fn cli_bin() -> &'static str {
    env!("CARGO_BIN_EXE_countersign-cli")
}

/// A reviewer's data directory and token, driving `countersign-cli`.
pub struct Reviewer {
    pub dir: tempfile::TempDir,
    pub token: String,
    pub server: String,
}

impl Reviewer {
    pub async fn new(queue: &QueueProcess, name: &str, role: &str) -> Reviewer {
        Reviewer {
            dir: tempfile::tempdir().expect("temp dir"),
            token: queue.add_user(name, role).await,
            server: queue.url(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(cli_bin());
        command
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--server")
            .arg(&self.server)
            .args(args)
            .env("COUNTERSIGN_TOKEN", &self.token)
            // No desktop here: notifications must fail fast as a status, never hang a test.
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY")
            .kill_on_drop(true);
        command
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .await
            .expect("run countersign-cli")
    }

    /// Runs and insists on success.
    pub async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(
            output.status.success(),
            "countersign-cli {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub async fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args).await).expect("JSON output")
    }

    pub async fn list(&self) -> Vec<Value> {
        match self.json(&["list", "--json"]).await {
            Value::Array(rows) => rows,
            other => panic!("list --json is not an array: {other}"),
        }
    }

    /// The ids of the items in the inbox, in list order.
    pub async fn item_ids(&self) -> Vec<String> {
        self.list()
            .await
            .iter()
            .map(|row| row["item_id"].as_str().expect("id").to_owned())
            .collect()
    }

    pub async fn status_of(&self, item_id: &str) -> Option<String> {
        self.list()
            .await
            .into_iter()
            .find(|row| row["item_id"] == item_id)
            .map(|row| row["status"].as_str().unwrap_or_default().to_owned())
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

pub fn random_pause(max_ms: u64) -> Duration {
    Duration::from_millis(rand::random_range(0..=max_ms))
}

/// A sync engine on a fresh store in a temporary directory, signed in to the queue at `url` with
/// `token`, showing no notices, on the system clock.
pub async fn fresh_engine(url: &str, token: String) -> (tempfile::TempDir, Store, SyncEngine) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let remote = QueueClient::new(url, Token::new(token)).expect("client");
    let engine = SyncEngine::new(
        store.clone(),
        remote,
        Arc::new(notify::Silent),
        Arc::new(SystemClock),
    );
    (dir, store, engine)
}
