//! A coding assistant's proposed changes (`code_change`, registered from `kinds/code_change.json`):
//! a fixed handful of small Rust and Python changes, each with the diff, the intent and the tests it ran.

use countersign_domain::{AiProposal, NewItem, Risk};
use serde_json::{Value, json};

use crate::{evidence, signal};

const MODEL: &str = "code-assist-5";

struct Change {
    id: &'static str,
    title: &'static str,
    repository: &'static str,
    language: &'static str,
    intent: &'static str,
    requested_by: &'static str,
    test_command: &'static str,
    /// `(name, status, detail)`.
    tests: &'static [(&'static str, &'static str, &'static str)],
    diff: &'static str,
    summary: &'static str,
    reasoning: &'static str,
    confidence: f64,
    risk: Risk,
    priority: i64,
    evidence: &'static [(&'static str, &'static str, &'static str)],
    signals: Vec<(&'static str, Value, f64)>,
}

pub(super) fn code_changes() -> Vec<NewItem> {
    changes()
        .into_iter()
        .map(|change| {
            let tests: Vec<Value> = change
                .tests
                .iter()
                .map(|(name, status, detail)| {
                    let mut test = json!({ "name": name, "status": status });
                    if !detail.is_empty() {
                        test["detail"] = json!(detail);
                    }
                    test
                })
                .collect();
            NewItem {
                external_id: format!("demo-change-{}", change.id),
                kind: "code_change".to_owned(),
                title: change.title.to_owned(),
                payload: json!({
                    "repository": { "name": change.repository, "base_branch": "main", "language": change.language },
                    "intent": change.intent,
                    "requested_by": change.requested_by,
                    "tests": tests,
                    "test_command": change.test_command,
                }),
                ai: AiProposal {
                    model: Some(MODEL.to_owned()),
                    output: json!({ "diff": change.diff, "summary": change.summary }),
                    reasoning: Some(change.reasoning.to_owned()),
                    confidence: change.confidence,
                    risk: change.risk,
                    signals: change
                        .signals
                        .into_iter()
                        .map(|(name, value, weight)| signal(name, value, weight))
                        .collect(),
                    evidence: change
                        .evidence
                        .iter()
                        .map(|(label, text, source)| evidence(label, *text, source))
                        .collect(),
                },
                priority: change.priority,
                // The kind's `defaults.due_in` sets the deadline.
                due_at: None,
                callback_url: None,
                gold: None,
            }
        })
        .collect()
}

const PAGINATION_DIFF: &str = r#"diff --git a/billing/api/pagination.py b/billing/api/pagination.py
index 4c1e2a7..9b0d3f1 100644
--- a/billing/api/pagination.py
+++ b/billing/api/pagination.py
@@ -18,11 +18,13 @@ class Page:
 def paginate(rows: Sequence[T], page: int, per_page: int = 50) -> Page[T]:
     """Return the 1-based `page` of `rows`, `per_page` rows at a time."""
-    start = page * per_page
+    if page < 1:
+        raise ValueError(f"page must be 1 or more, got {page}")
+    start = (page - 1) * per_page
     end = start + per_page
     return Page(
         rows=list(rows[start:end]),
         page=page,
-        pages=len(rows) // per_page,
+        pages=max(1, -(-len(rows) // per_page)),
     )
diff --git a/billing/tests/test_pagination.py b/billing/tests/test_pagination.py
index 7aa01c2..e35c8d9 100644
--- a/billing/tests/test_pagination.py
+++ b/billing/tests/test_pagination.py
@@ -9,3 +9,17 @@ def test_first_page():
     page = paginate(list(range(120)), page=1)
     assert page.rows == list(range(50))
+
+
+def test_last_partial_page_is_counted():
+    page = paginate(list(range(120)), page=3)
+    assert page.rows == list(range(100, 120))
+    assert page.pages == 3
+
+
+def test_empty_input_has_one_page():
+    assert paginate([], page=1).pages == 1
+
+
+def test_page_zero_is_refused():
+    with pytest.raises(ValueError):
+        paginate([1, 2, 3], page=0)
"#;

const DURATION_DIFF: &str = r#"diff --git a/src/config/duration.rs b/src/config/duration.rs
index 2f9a6c0..b71e0d4 100644
--- a/src/config/duration.rs
+++ b/src/config/duration.rs
@@ -1,22 +1,33 @@
 use std::time::Duration;
 
-/// Parses "30s", "15m", "4h" or "2d".
-pub fn parse_duration(text: &str) -> Duration {
-    let (number, unit) = text.split_at(text.len() - 1);
-    let n: u64 = number.parse().unwrap();
-    match unit {
-        "s" => Duration::from_secs(n),
-        "m" => Duration::from_secs(n * 60),
-        "h" => Duration::from_secs(n * 3600),
-        "d" => Duration::from_secs(n * 86_400),
-        _ => panic!("bad unit {unit}"),
-    }
+#[derive(Debug, PartialEq, Eq, thiserror::Error)]
+pub enum DurationError {
+    #[error("{0:?} is not a duration such as 30s, 15m, 4h or 2d")]
+    Malformed(String),
+    #[error("{0:?} is too long")]
+    TooLong(String),
+}
+
+/// Parses "30s", "15m", "4h" or "2d".
+pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
+    let malformed = || DurationError::Malformed(text.to_owned());
+    let unit_at = text.len().checked_sub(1).ok_or_else(malformed)?;
+    let (number, unit) = text.split_at_checked(unit_at).ok_or_else(malformed)?;
+    let n: u64 = number.parse().map_err(|_| malformed())?;
+    let seconds = match unit {
+        "s" => Some(n),
+        "m" => n.checked_mul(60),
+        "h" => n.checked_mul(3600),
+        "d" => n.checked_mul(86_400),
+        _ => return Err(malformed()),
+    };
+    seconds
+        .map(Duration::from_secs)
+        .ok_or_else(|| DurationError::TooLong(text.to_owned()))
 }
diff --git a/src/config/mod.rs b/src/config/mod.rs
index 0d81b35..5c2e7a9 100644
--- a/src/config/mod.rs
+++ b/src/config/mod.rs
@@ -41,7 +41,8 @@ impl Settings {
     pub fn from_table(table: &Table) -> Result<Self, ConfigError> {
         let timeout = match table.get("timeout").and_then(Value::as_str) {
-            Some(text) => parse_duration(text),
+            Some(text) => parse_duration(text)
+                .map_err(|error| ConfigError::Invalid { key: "timeout", error: error.to_string() })?,
             None => DEFAULT_TIMEOUT,
         };
"#;

const RETRY_DIFF: &str = r#"diff --git a/notifier/webhooks.py b/notifier/webhooks.py
index 51ab9e2..c0d4471 100644
--- a/notifier/webhooks.py
+++ b/notifier/webhooks.py
@@ -1,20 +1,34 @@
+import random
+import time
+
 import httpx
 
 from .signing import sign
 
+MAX_ATTEMPTS = 5
+
 
 def deliver(url: str, body: bytes, secret: str) -> None:
-    """POST a signed webhook; raises on any failure."""
+    """POST a signed webhook, retrying 5xx answers and timeouts with backoff."""
     headers = sign(body, secret)
-    response = httpx.post(url, content=body, headers=headers, timeout=10)
-    response.raise_for_status()
+    for attempt in range(1, MAX_ATTEMPTS + 1):
+        try:
+            response = httpx.post(url, content=body, headers=headers, timeout=10)
+        except httpx.TimeoutException:
+            if attempt == MAX_ATTEMPTS:
+                raise
+        else:
+            if response.status_code < 500 or attempt == MAX_ATTEMPTS:
+                response.raise_for_status()
+                return
+        time.sleep(min(30, 2**attempt) + random.random())
"#;

const TIMEOUT_DIFF: &str = r#"diff --git a/crates/fetcher/src/client.rs b/crates/fetcher/src/client.rs
index 8e3d0b2..f4a61c9 100644
--- a/crates/fetcher/src/client.rs
+++ b/crates/fetcher/src/client.rs
@@ -12,14 +12,16 @@ use reqwest::Client;
-const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
+/// The default when the config gives no `request_timeout`.
+pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
 
-pub fn build_client() -> reqwest::Result<Client> {
+pub fn build_client(timeout: Option<Duration>) -> reqwest::Result<Client> {
     Client::builder()
-        .timeout(REQUEST_TIMEOUT)
+        .timeout(timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT))
         .user_agent(concat!("fetcher/", env!("CARGO_PKG_VERSION")))
         .build()
 }
diff --git a/crates/fetcher/src/main.rs b/crates/fetcher/src/main.rs
index 3a5f7e1..0b9c2d4 100644
--- a/crates/fetcher/src/main.rs
+++ b/crates/fetcher/src/main.rs
@@ -27,7 +27,7 @@ async fn main() -> anyhow::Result<()> {
     let config = Config::load(&args.config)?;
-    let client = build_client()?;
+    let client = build_client(config.request_timeout)?;
     run(client, config).await
 }
"#;

fn changes() -> Vec<Change> {
    vec![
        Change {
            id: "000001",
            title: "Fix the off-by-one in invoice list pagination",
            repository: "acme/billing-service",
            language: "Python",
            intent: "Customers report that page 1 of the invoice list skips the first 50 invoices and the last partial page never shows. Fix pagination so pages are 1-based and the page count rounds up.",
            requested_by: "priya.nair",
            test_command: "pytest billing/tests -q",
            tests: &[
                (
                    "billing/tests/test_pagination.py::test_first_page",
                    "passed",
                    "",
                ),
                (
                    "billing/tests/test_pagination.py::test_last_partial_page_is_counted",
                    "passed",
                    "",
                ),
                (
                    "billing/tests/test_pagination.py::test_empty_input_has_one_page",
                    "passed",
                    "",
                ),
                (
                    "billing/tests/test_pagination.py::test_page_zero_is_refused",
                    "passed",
                    "",
                ),
                ("billing/tests/test_invoices_api.py", "passed", "38 passed"),
            ],
            diff: PAGINATION_DIFF,
            summary: "Make `paginate` 1-based (page 1 starts at row 0), refuse page 0, and round the page count up so a last partial page is counted; an empty list has one page. Adds three regression tests.",
            reasoning: "The route handler passes the 1-based `page` query parameter straight through, so `page * per_page` skipped a page. Floor division dropped the last partial page. All callers pass page >= 1 (checked with a search), so refusing 0 changes no current behaviour.",
            confidence: 0.91,
            risk: Risk::Low,
            priority: 35,
            evidence: &[
                (
                    "Call sites",
                    "3 callers of paginate(), all passing request.args page (default 1).",
                    "repository search",
                ),
                (
                    "Bug report",
                    "SUP-4471: page 1 of invoices starts at #51; 120 invoices show as 2 pages.",
                    "issue tracker",
                ),
            ],
            signals: vec![
                ("tests_passed", json!(true), -0.1),
                ("lines_changed", json!(20), 0.02),
                ("touches_public_api", json!(false), -0.03),
            ],
        },
        Change {
            id: "000002",
            title: "Return an error instead of panicking on a bad duration",
            repository: "acme/ingest",
            language: "Rust",
            intent: "The service crashes at start when the config has `timeout = \"\"` or `timeout = \"10\"`. Make duration parsing return an error that names the key instead of panicking.",
            requested_by: "jonas.weber",
            test_command: "cargo test -p ingest config::",
            tests: &[
                ("config::duration::tests::parses_each_unit", "passed", ""),
                ("config::duration::tests::empty_is_malformed", "passed", ""),
                (
                    "config::duration::tests::missing_unit_is_malformed",
                    "passed",
                    "",
                ),
                (
                    "config::duration::tests::overflow_is_too_long",
                    "passed",
                    "",
                ),
                ("config::tests::bad_timeout_names_the_key", "passed", ""),
            ],
            diff: DURATION_DIFF,
            summary: "`parse_duration` now returns `Result<Duration, DurationError>`: empty input, a missing unit, a non-number or an unknown unit is `Malformed`, an overflowing value `TooLong`. `Settings::from_table` maps the error to `ConfigError::Invalid` naming `timeout`.",
            reasoning: "The panic came from `split_at` on an empty string and from `unwrap()` on the number. `split_at_checked` and `checked_mul` cover both and the overflow case. The only caller is `Settings::from_table`, updated in the same change.",
            confidence: 0.88,
            risk: Risk::Medium,
            priority: 50,
            evidence: &[
                (
                    "Crash report",
                    "thread 'main' panicked at src/config/duration.rs:5: byte index 18446744073709551615 is out of range",
                    "error tracker",
                ),
                (
                    "Callers",
                    "parse_duration has one caller: Settings::from_table.",
                    "rust-analyzer references",
                ),
            ],
            signals: vec![
                ("tests_passed", json!(true), -0.1),
                ("signature_change", json!(true), 0.12),
                ("removes_panic", json!(true), -0.08),
            ],
        },
        Change {
            id: "000003",
            title: "Retry webhook deliveries with exponential backoff",
            repository: "acme/notifier",
            language: "Python",
            intent: "Partners lose webhooks when their endpoint has a brief outage. Retry failed deliveries a few times with backoff instead of giving up on the first error.",
            requested_by: "sam.okafor",
            test_command: "pytest notifier/tests -q",
            tests: &[
                (
                    "notifier/tests/test_webhooks.py::test_delivers_once_on_200",
                    "passed",
                    "",
                ),
                (
                    "notifier/tests/test_webhooks.py::test_retries_on_503",
                    "passed",
                    "",
                ),
                (
                    "notifier/tests/test_webhooks.py::test_gives_up_after_five_attempts",
                    "failed",
                    "took 62.4 s; the test's timeout is 30 s",
                ),
                ("notifier/tests/test_signing.py", "passed", "12 passed"),
            ],
            diff: RETRY_DIFF,
            summary: "Retry timeouts and 5xx answers up to 5 attempts with exponential backoff (2, 4, 8, 16 s plus jitter, capped at 30 s); 4xx answers fail at once.",
            reasoning: "Retrying inside `deliver` keeps callers unchanged. The retry loop sleeps in the request thread, so a dead endpoint holds a worker for about a minute; one test timed out because of it. A queue-based retry would avoid that but is a larger change.",
            confidence: 0.47,
            risk: Risk::High,
            priority: 75,
            evidence: &[
                (
                    "Incident",
                    "INC-2291: 1,840 webhooks dropped during a partner's 4-minute outage.",
                    "incident log",
                ),
                (
                    "Worker pool",
                    "notifier runs 8 synchronous workers; a blocked worker delays every partner's webhooks.",
                    "deploy/notifier.yaml",
                ),
            ],
            signals: vec![
                ("tests_passed", json!(false), 0.35),
                ("blocking_sleep", json!(true), 0.22),
                ("lines_changed", json!(24), 0.02),
            ],
        },
        Change {
            id: "000004",
            title: "Make the fetcher's request timeout configurable",
            repository: "acme/fetcher",
            language: "Rust",
            intent: "Slow partner APIs time out after the hard-coded 5 seconds. Let the config set `request_timeout`, keeping 5 seconds as the default.",
            requested_by: "li.wei",
            test_command: "cargo test -p fetcher",
            tests: &[
                (
                    "client::tests::default_timeout_is_five_seconds",
                    "passed",
                    "",
                ),
                (
                    "config::tests::reads_request_timeout",
                    "skipped",
                    "no such test yet",
                ),
                ("integration::fetch_against_stub", "passed", ""),
            ],
            diff: TIMEOUT_DIFF,
            summary: "`build_client` takes an optional timeout, defaulting to `DEFAULT_REQUEST_TIMEOUT` (5 s); `main` passes `config.request_timeout`.",
            reasoning: "`Config` already reads `request_timeout` (added with the config file format), but nothing used it. Wiring it through is small; no test yet checks that a configured timeout reaches the client, so that path is untested.",
            confidence: 0.58,
            risk: Risk::Medium,
            priority: 30,
            evidence: &[(
                "Config struct",
                "crates/fetcher/src/config.rs: `pub request_timeout: Option<Duration>`, parsed but never read.",
                "repository",
            )],
            signals: vec![
                ("untested_path", json!(true), 0.2),
                ("tests_skipped", json!(1), 0.08),
                ("lines_changed", json!(8), -0.02),
            ],
        },
    ]
}
