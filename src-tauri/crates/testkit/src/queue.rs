//! The queue service in this process, on a [`TestDb`] (a fresh SQLite file or PostgreSQL database),
//! restartable on the same database, and small helpers to speak the protocol to it over HTTP.

use std::sync::Arc;

use countersign_domain::Role;
use countersign_queue::{Clock, Policy, RunningServer, ServeOptions, SystemClock};
use serde_json::{Value, json};

use crate::{Backend, postgres};

/// A database of its own for one test; it disappears with the value (a SQLite file with its
/// directory, a PostgreSQL database by `DROP DATABASE`).
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        TestDb::new_in(backend, None)
    }

    /// Like [`TestDb::new`], a SQLite file under `parent` (say a tmpfs, for tests that open
    /// thousands of databases); PostgreSQL ignores it.
    pub fn new_in(backend: Backend, parent: Option<&std::path::Path>) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = match parent {
                    Some(parent) => tempfile::tempdir_in(parent),
                    None => tempfile::tempdir(),
                }
                .expect("temporary directory");
                TestDb {
                    url: format!("sqlite://{}/queue.db", dir.path().display()),
                    backend,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => TestDb {
                url: postgres::fresh_database_url(),
                backend,
                _dir: None,
            },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.backend == Backend::Postgres {
            postgres::drop_database(&self.url);
        }
    }
}

/// Options for [`Queue::start`].
#[derive(Clone)]
pub struct QueueOptions {
    pub policy: Policy,
    pub clock: Arc<dyn Clock>,
    pub webhook_secret: Option<String>,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            policy: Policy::builtin(),
            clock: Arc::new(SystemClock),
            webhook_secret: None,
        }
    }
}

/// A queue service running in this process, restartable on the same database.
pub struct Queue {
    server: Option<RunningServer>,
    pub url: String,
    pub db_url: String,
    options: QueueOptions,
    http: reqwest::Client,
}

/// A JSON response: status and body (Null when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Queue {
    pub async fn start(db: &TestDb, options: QueueOptions) -> Queue {
        let mut queue = Queue {
            server: None,
            url: String::new(),
            db_url: db.url.clone(),
            options,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .expect("HTTP client"),
        };
        queue.boot().await;
        queue
    }

    async fn boot(&mut self) {
        let server = countersign_queue::start(ServeOptions {
            database_url: self.db_url.clone(),
            listen: "127.0.0.1:0".into(),
            policy: self.options.policy.clone(),
            webhook_secret: self.options.webhook_secret.clone(),
            clock: self.options.clock.clone(),
            callback_allow: Default::default(),
        })
        .await
        .expect("queue service starts");
        self.url = server.url();
        self.server = Some(server);
    }

    /// The address the service listens on now (a proxy's upstream).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.url
            .trim_start_matches("http://")
            .parse()
            .expect("the queue's address")
    }

    /// Shuts the service down gracefully (it stays down until [`Queue::restart`]).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Stops (if running) and starts again on the same database, on a new port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.boot().await;
    }

    pub fn state(&self) -> &countersign_queue::AppState {
        &self.server.as_ref().expect("queue is running").state
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Creates a user directly in the database and returns its token.
    pub async fn user(&self, name: &str, role: Role) -> String {
        countersign_queue::auth::add_user(&self.state().db, name, role, self.options.clock.now())
            .await
            .expect("user created")
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request reaches the service");
        let status = response.status().as_u16();
        let text = response.text().await.expect("response body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.request(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// The Prometheus text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text")
    }

    /// Submits an item and returns it, asserting 200 or 201.
    pub async fn submit(&self, producer: &str, item: &Value) -> Value {
        let reply = self.post("/v1/items", producer, item).await;
        assert!(
            reply.status == 201 || reply.status == 200,
            "submit failed: {reply:?}"
        );
        reply.body
    }

    pub async fn pull(&self, token: &str, client: uuid::Uuid, cursor: Option<&str>) -> Value {
        let reply = self
            .post(
                "/v1/sync/pull",
                token,
                &json!({"client_id": client, "cursor": cursor}),
            )
            .await;
        assert_eq!(reply.status, 200, "pull failed: {reply:?}");
        reply.body
    }

    pub async fn push(&self, token: &str, client: uuid::Uuid, mutations: &[Value]) -> Value {
        let reply = self
            .post(
                "/v1/sync/push",
                token,
                &json!({"client_id": client, "mutations": mutations}),
            )
            .await;
        assert_eq!(reply.status, 200, "push failed: {reply:?}");
        reply.body
    }

    /// The feedback export in `format` (docs/protocol.md, "Feedback export"), one value per line,
    /// asserting 200.
    pub async fn feedback(&self, admin: &str, format: &str) -> Vec<Value> {
        let response = self
            .http()
            .get(format!("{}/v1/export/feedback?format={format}", self.url))
            .bearer_auth(admin)
            .send()
            .await
            .expect("export");
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("body");
        text.lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect()
    }

    /// A single integer from SQL run directly against the service's database, once the audit
    /// entries of every change so far are sealed into the log (as the service's own reads do).
    pub async fn count(&self, sql: &str) -> i64 {
        self.seal_audit().await;
        let row = sqlx::query(sql)
            .fetch_one(&self.state().db.pool)
            .await
            .expect("count query");
        sqlx::Row::try_get(&row, 0).expect("integer column")
    }

    /// Runs a statement directly against the service's database, once the audit entries of every
    /// change so far are sealed into the log.
    pub async fn execute(&self, sql: &str) {
        self.seal_audit().await;
        sqlx::query(sql)
            .execute(&self.state().db.pool)
            .await
            .expect("statement");
    }

    /// Seals the audit entries recorded so far (docs/protocol.md, "Recording and sealing"), for a
    /// test that reads or alters `audit_log` directly.
    pub async fn seal_audit(&self) {
        countersign_queue::audit::seal(&self.state().db)
            .await
            .expect("seal the audit log");
    }
}
