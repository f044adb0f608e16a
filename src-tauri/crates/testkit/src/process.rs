//! The `countersign-queue` binary as a child process on a test database, restartable and killable,
//! behind a [`Proxy`] that keeps one address across restarts and injects network faults.
//!
//! The binary is `$COUNTERSIGN_QUEUE_BIN`, else `countersign-queue` in the target directory of the
//! running test (`cargo build -p countersign-queue`; `cargo test --workspace` builds it).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::{Backend, Proxy, TestDb, fixtures, http_client};

/// The queue service binary the tests run.
pub fn queue_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("COUNTERSIGN_QUEUE_BIN") {
        return PathBuf::from(path);
    }
    // A test runs as target/<profile>/deps/<test>-<hash>; the binaries are in target/<profile>.
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a test binary inside target/<profile>/deps");
    let path = profile_dir.join(format!("countersign-queue{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "the queue service binary {} is missing: run `cargo build -p countersign-queue` with the same \
         CARGO_TARGET_DIR, or set COUNTERSIGN_QUEUE_BIN",
        path.display()
    );
    path
}

/// A queue service process on its own test database, with an admin and a producer (`fraud-ai`).
pub struct QueueProcess {
    /// Its policy file and logs.
    pub dir: tempfile::TempDir,
    /// Held for its `Drop`: the database goes with the service.
    _db: TestDb,
    /// The service's database URL.
    pub database: String,
    policy: Option<PathBuf>,
    child: Option<Child>,
    pub proxy: Proxy,
    pub admin: String,
    pub producer: String,
    env: Vec<(String, String)>,
}

impl QueueProcess {
    /// On SQLite, with `policy_toml` or the built-in policy.
    pub async fn start(policy_toml: Option<&str>) -> QueueProcess {
        QueueProcess::start_on(Backend::Sqlite, policy_toml).await
    }

    pub async fn start_on(backend: Backend, policy_toml: Option<&str>) -> QueueProcess {
        QueueProcess::start_with_env(backend, policy_toml, &[]).await
    }

    /// Like `start_on`, with extra environment for the service (every start, restarts included).
    pub async fn start_with_env(
        backend: Backend,
        policy_toml: Option<&str>,
        env: &[(&str, &str)],
    ) -> QueueProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        // A SQLite file inside `dir`, beside the logs, so a test can read everything the service wrote.
        let db = TestDb::new_in(backend, Some(dir.path()));
        let policy = policy_toml.map(|toml| {
            let path = dir.path().join("policy.toml");
            std::fs::write(&path, toml).expect("write policy");
            path
        });
        let mut queue = QueueProcess {
            dir,
            database: db.url.clone(),
            _db: db,
            policy,
            child: None,
            proxy: Proxy::start(None).await,
            admin: String::new(),
            producer: String::new(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        queue.admin = queue.add_user("admin", "admin").await;
        queue.producer = queue.add_user("fraud-ai", "producer").await;
        queue.serve().await;
        queue
    }

    /// The address clients use: the proxy's, stable across restarts.
    pub fn url(&self) -> String {
        self.proxy.url()
    }

    pub async fn add_user(&self, name: &str, role: &str) -> String {
        let output = Command::new(queue_bin())
            .args([
                "user",
                "add",
                name,
                "--role",
                role,
                "--database",
                &self.database,
            ])
            .output()
            .await
            .expect("run countersign-queue user add");
        assert!(
            output.status.success(),
            "user add failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    pub async fn serve(&mut self) {
        let mut command = Command::new(queue_bin());
        command
            .args([
                "serve",
                "--database",
                &self.database,
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(self.log_file("queue-stderr.log"))
            .kill_on_drop(true);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        if let Some(policy) = &self.policy {
            command.arg("--policy").arg(policy);
        }
        let mut child = command.spawn().expect("start countersign-queue serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the queue service did not start within 60 s")
            .expect("read stdout")
            .expect("the queue service exited before listening");
        let url = line
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        let addr: SocketAddr = url.trim_end_matches('/').parse().expect("listen address");
        // Keep draining stdout so the server never blocks on a full pipe; keep it for tests that read it.
        let mut log = tokio::fs::File::from_std(self.log_file("queue-stdout.log"));
        tokio::spawn(async move {
            let _ = log.write_all(format!("{line}\n").as_bytes()).await;
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = log.write_all(format!("{line}\n").as_bytes()).await;
            }
        });
        self.proxy.set_upstream(Some(addr));
        self.child = Some(child);
    }

    /// A log file in the queue's temp directory, appended to across restarts.
    fn log_file(&self, name: &str) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(name))
            .expect("open a queue log file")
    }

    /// The service's stdout and stderr so far, as written by every run.
    pub fn logs(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for name in ["queue-stdout.log", "queue-stderr.log"] {
            all.extend(std::fs::read(self.dir.path().join(name)).unwrap_or_default());
        }
        all
    }

    /// The PID of the running service, to signal it.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|child| child.id())
    }

    /// Kills the service; the proxy then refuses connections, as a dead server would.
    pub async fn stop(&mut self) {
        self.proxy.set_upstream(None);
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("stop the queue service");
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        self.serve().await;
    }

    /// Submits an item routed to plain review under the default policy and returns its id.
    pub async fn submit(&self, external_id: &str) -> String {
        self.submit_with(fixtures::review_item(external_id)).await
    }

    pub async fn submit_with(&self, body: Value) -> String {
        let response = self
            .http("POST", "/v1/items", &self.producer, Some(body))
            .await;
        response["id"].as_str().expect("item id").to_owned()
    }

    /// The item as the queue holds it (admin view).
    pub async fn item(&self, id: &str) -> Value {
        self.http("GET", &format!("/v1/items/{id}"), &self.admin, None)
            .await
    }

    /// A request that must succeed; its JSON answer (Null when not JSON).
    pub async fn http(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let client = http_client();
        let url = format!("{}{path}", self.url());
        let mut request = match method {
            "POST" => client.post(url),
            _ => client.get(url),
        }
        .bearer_auth(token)
        .timeout(Duration::from_secs(20));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("queue request");
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }
}
