//! Harness for tests over the real queue service: the `countersign-queue` binary as a child process on
//! a temp SQLite database, reached through a small TCP proxy that keeps one address across server
//! restarts and can cut a connection after the server answered (a lost response).
//!
//! The queue binary is `$COUNTERSIGN_QUEUE_BIN`, else `countersign-queue` beside `countersign-cli` in
//! the target directory (`cargo build -p countersign-queue`; `cargo test --workspace` builds it).
//! PostgreSQL runs use a fresh database under `$COUNTERSIGN_TEST_POSTGRES_URL` (set by the repository's
//! scripts/postgres.sh); like the rest of the workspace, they fail rather than skip when it is unset.

#![allow(dead_code)] // each test file uses its own part of the harness

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

pub fn queue_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("COUNTERSIGN_QUEUE_BIN") {
        return PathBuf::from(path);
    }
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_countersign-cli"));
    let path = cli.with_file_name(format!("countersign-queue{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "the queue service binary {} is missing: run `cargo build -p countersign-queue` with the same \
         CARGO_TARGET_DIR, or set COUNTERSIGN_QUEUE_BIN",
        path.display()
    );
    path
}

pub fn cli_bin() -> &'static str {
    env!("CARGO_BIN_EXE_countersign-cli")
}

/// Which database the queue service runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const POSTGRES_ENV: &str = "COUNTERSIGN_TEST_POSTGRES_URL";

fn database_url(backend: Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("queue.db").display()),
        Backend::Postgres => {
            let base = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                panic!(
                    "{POSTGRES_ENV} is not set. PostgreSQL tests never skip: \
                     export {POSTGRES_ENV}=$(scripts/postgres.sh)"
                )
            });
            // The queue creates a missing database on first use.
            format!(
                "{}/cs_client_{}",
                base.trim_end_matches('/'),
                uuid::Uuid::now_v7().simple()
            )
        }
    }
}

/// A queue service on a temp database, restartable, behind a proxy with a fixed address.
pub struct Queue {
    pub dir: tempfile::TempDir,
    pub database: String,
    policy: Option<PathBuf>,
    child: Option<Child>,
    pub proxy: Proxy,
    pub admin: String,
    pub producer: String,
    env: Vec<(String, String)>,
}

impl Queue {
    pub async fn start(policy_toml: Option<&str>) -> Queue {
        Queue::start_on(Backend::Sqlite, policy_toml).await
    }

    pub async fn start_on(backend: Backend, policy_toml: Option<&str>) -> Queue {
        Queue::start_with_env(backend, policy_toml, &[]).await
    }

    /// Like `start_on`, with extra environment for the service (every start, restarts included).
    pub async fn start_with_env(
        backend: Backend,
        policy_toml: Option<&str>,
        env: &[(&str, &str)],
    ) -> Queue {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = database_url(backend, dir.path());
        let policy = policy_toml.map(|toml| {
            let path = dir.path().join("policy.toml");
            std::fs::write(&path, toml).expect("write policy");
            path
        });
        let proxy = Proxy::start().await;
        let mut queue = Queue {
            dir,
            database,
            policy,
            child: None,
            proxy,
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
        format!("http://{}", self.proxy.addr)
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

    /// Environment for the next `serve` (a log level, say).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// The PID of the running service, to signal it.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|child| child.id())
    }

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

    /// Submits an item routed to plain review under the default policy (medium risk, mid confidence).
    pub async fn submit(&self, external_id: &str) -> String {
        self.submit_with(json!({
            "external_id": external_id, "kind": "transaction",
            "title": format!("Card payment {external_id}"),
            "payload": {"amount_eur": 4980},
            "ai": {"model": "fraud-gbm-v7", "output": {"verdict": "fraud"}, "confidence": 0.7, "risk": "medium"},
            "priority": 60
        }))
        .await
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

    pub async fn http(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("HTTP client");
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

/// A reviewer's data directory and token, driving `countersign-cli`.
pub struct Reviewer {
    pub dir: tempfile::TempDir,
    pub token: String,
    pub server: String,
}

impl Reviewer {
    pub async fn new(queue: &Queue, name: &str, role: &str) -> Reviewer {
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

/// A TCP proxy with a fixed address in front of a restartable server, with faults the test switches
/// on: cut every open connection, delay each new one, drop a share of new ones, lose a push's answer.
pub struct Proxy {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    faults: Arc<Faults>,
}

#[derive(Default)]
struct Faults {
    drop_next_push_response: AtomicBool,
    /// Latency added before a new connection is relayed, in ms.
    delay_ms: AtomicU64,
    /// Per mille of new connections closed at once.
    drop_per_mille: AtomicU64,
    /// Woken to cut every connection open at that moment.
    cut: Notify,
    /// Push requests seen, so a test can act while one is in flight.
    pushes_seen: AtomicU64,
    /// Faults actually injected (cuts of open connections, drops, lost answers).
    injected: AtomicU64,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let upstream: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let faults: Arc<Faults> = Arc::default();
        let (task_upstream, task_faults) = (upstream.clone(), faults.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *task_upstream.lock().expect("proxy lock");
                let faults = task_faults.clone();
                tokio::spawn(async move {
                    // No server: close at once, as a dead server would.
                    let Some(target) = target else { return };
                    let delay = faults.delay_ms.load(Ordering::SeqCst);
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    let drop = faults.drop_per_mille.load(Ordering::SeqCst);
                    if drop > 0 && rand::random_range(0..1000) < drop {
                        faults.injected.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    let cut = faults.cut.notified();
                    tokio::select! {
                        () = relay(client, target, faults.clone()) => {}
                        () = cut => { faults.injected.fetch_add(1, Ordering::SeqCst); }
                    }
                });
            }
        });
        Proxy {
            addr,
            upstream,
            faults,
        }
    }

    pub fn set_upstream(&self, target: Option<SocketAddr>) {
        *self.upstream.lock().expect("proxy lock") = target;
    }

    /// The next push is forwarded and answered by the server, but the answer never reaches the client.
    pub fn lose_next_push_response(&self) {
        self.faults
            .drop_next_push_response
            .store(true, Ordering::SeqCst);
    }

    /// Cuts every connection open now (requests in flight included); new ones go through.
    pub fn cut_all(&self) {
        self.faults.cut.notify_waiters();
    }

    /// Latency before each new connection is relayed.
    pub fn set_delay(&self, delay: Duration) {
        self.faults.delay_ms.store(
            u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }

    /// Closes this share (0..=1000 per mille) of new connections at once.
    pub fn set_drop_per_mille(&self, per_mille: u64) {
        self.faults
            .drop_per_mille
            .store(per_mille.min(1000), Ordering::SeqCst);
    }

    /// Back to a faithful proxy.
    pub fn clear_faults(&self) {
        self.set_delay(Duration::ZERO);
        self.set_drop_per_mille(0);
        self.faults
            .drop_next_push_response
            .store(false, Ordering::SeqCst);
    }

    pub fn pushes_seen(&self) -> u64 {
        self.faults.pushes_seen.load(Ordering::SeqCst)
    }

    pub fn faults_injected(&self) -> u64 {
        self.faults.injected.load(Ordering::SeqCst)
    }
}

async fn relay(mut client: TcpStream, target: SocketAddr, faults: Arc<Faults>) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let mut first = vec![0u8; 64 * 1024];
    let Ok(n) = client.read(&mut first).await else {
        return;
    };
    let is_push = first[..n].starts_with(b"POST /v1/sync/push");
    if is_push {
        faults.pushes_seen.fetch_add(1, Ordering::SeqCst);
    }
    if server.write_all(&first[..n]).await.is_err() {
        return;
    }
    if is_push && faults.drop_next_push_response.swap(false, Ordering::SeqCst) {
        faults.injected.fetch_add(1, Ordering::SeqCst);
        // Forward the rest of the request, wait for the server's answer (it has committed by then),
        // then cut the client off without a byte of it.
        let (mut client_read, _client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        let forward = tokio::io::copy(&mut client_read, &mut server_write);
        let mut answer = vec![0u8; 1024];
        tokio::select! {
            _ = forward => {}
            _ = server_read.read(&mut answer) => {}
        }
        // Give the server a moment to finish its response, then drop everything.
        tokio::time::sleep(Duration::from_millis(100)).await;
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}

pub fn random_pause(max_ms: u64) -> Duration {
    Duration::from_millis(rand::random_range(0..=max_ms))
}
