//! Test harness: a real queue service on 127.0.0.1:0 over a fresh SQLite file or PostgreSQL
//! database, and small helpers to speak the protocol to it over HTTP.

pub mod proxy;
pub mod webdriver;

use std::sync::Arc;

use countersign_domain::Role;
use countersign_queue::{Clock, Policy, RunningServer, ServeOptions, SystemClock};
use serde_json::{Value, json};

/// Which storage back end a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

/// Runs an `async fn name(store: Store)` scenario once per back end, as `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::Store::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::Store::Postgres).await
            }
        }
    )*};
}

/// A database of its own for one test; a SQLite file disappears with the value.
pub struct TestDb {
    pub url: String,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL server tests use; `scripts/test.sh` starts one and sets this.
pub const POSTGRES_ENV: &str = "COUNTERSIGN_TEST_POSTGRES_URL";

impl TestDb {
    pub fn new(store: Store) -> TestDb {
        TestDb::new_in(store, None)
    }

    /// Like [`TestDb::new`], a SQLite file under `parent` (say a tmpfs, for tests that open
    /// thousands of databases); PostgreSQL ignores it.
    pub fn new_in(store: Store, parent: Option<&std::path::Path>) -> TestDb {
        match store {
            Store::Sqlite => {
                let dir = match parent {
                    Some(parent) => tempfile::tempdir_in(parent),
                    None => tempfile::tempdir(),
                }
                .expect("temporary directory");
                TestDb {
                    url: format!("sqlite://{}/queue.db", dir.path().display()),
                    store,
                    _dir: Some(dir),
                }
            }
            Store::Postgres => {
                let base = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!(
                        "{POSTGRES_ENV} is not set. PostgreSQL tests never skip: run scripts/test.sh, \
                         or export {POSTGRES_ENV}=$(scripts/postgres.sh)"
                    )
                });
                let name = format!("cs_test_{}", uuid::Uuid::now_v7().simple());
                TestDb {
                    url: format!("{}/{name}", base.trim_end_matches('/')),
                    store,
                    _dir: None,
                }
            }
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

    /// A single integer from SQL run directly against the service's database.
    pub async fn count(&self, sql: &str) -> i64 {
        let row = sqlx::query(sql)
            .fetch_one(&self.state().db.pool)
            .await
            .expect("count query");
        sqlx::Row::try_get(&row, 0).expect("integer column")
    }

    /// Runs a statement directly against the service's database.
    pub async fn execute(&self, sql: &str) {
        sqlx::query(sql)
            .execute(&self.state().db.pool)
            .await
            .expect("statement");
    }
}

/// A submission with the fields that matter to routing.
pub fn item(external_id: &str, kind: &str, confidence: f64, risk: &str) -> Value {
    let output = if kind == "content_draft" {
        json!("Draft text written by the model.")
    } else {
        json!({"verdict": "block", "score": 0.8})
    };
    json!({
        "external_id": external_id,
        "kind": kind,
        "title": format!("{kind} {external_id}"),
        "payload": {"amount": 4980, "currency": "EUR"},
        "ai": {"model": "test-model", "output": output, "reasoning": "because",
               "confidence": confidence, "risk": risk,
               "signals": [{"name": "velocity_24h", "value": 7, "weight": 0.31}],
               "evidence": [{"label": "history", "text": "first purchase abroad", "source": "ledger"}]},
        "priority": 60,
    })
}

/// A mutation acting on `assignment` under its lease.
pub fn mutation(id: u64, assignment: &Value, action: &str) -> Value {
    let mut mutation = json!({
        "id": id,
        "decision_id": uuid::Uuid::now_v7(),
        "item_id": assignment["item"]["id"],
        "lease_id": assignment["lease"]["id"],
        "lease_epoch": assignment["lease"]["epoch"],
        "action": action,
        "client_time": "2026-11-25T12:00:00Z",
    });
    match action {
        "reject" => mutation["reason_code"] = json!("suspected_fraud"),
        "approve_with_edits" => {
            let output = &assignment["item"]["ai"]["output"];
            mutation["correction"] = if output.is_string() {
                json!("Draft text corrected by a person.")
            } else {
                json!({"verdict": "allow", "score": 0.1})
            }
        }
        _ => {}
    }
    mutation
}

/// The assignments of a pull response.
pub fn assignments(pull: &Value) -> Vec<Value> {
    pull["assignments"].as_array().cloned().unwrap_or_default()
}
