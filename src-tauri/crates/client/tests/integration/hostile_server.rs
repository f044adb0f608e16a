//! The desktop core fed malformed, oversized and wrongly typed server answers by a tiny fake server that
//! stands at the address the data directory is bound to (it relays to a real queue service when told to,
//! so the store can be filled for real first). Every hostile answer must end `countersign-cli sync` with
//! a clear message, non-zero, in bounded time, and leave the store as it was apart from sync status
//! fields: decisions waiting to upload are still there and reach the server exactly once afterwards.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_client::remote::MAX_RESPONSE_BYTES;
use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::Reviewer;
use countersign_testkit::QueueProcess;

/// A one-shot `sync` promises to end within 30 s; a little slack for process start-up.
const SYNC_BOUND: Duration = Duration::from_secs(35);

#[derive(Clone)]
enum Mode {
    /// Forward every connection to the real queue service.
    Relay,
    /// Read the request, answer these exact bytes, close.
    Answer(Arc<Vec<u8>>),
    /// Read the request, send this head, then one body byte every 200 ms, never finishing.
    Drip(Arc<Vec<u8>>),
    /// Read the request and never answer.
    Hang,
}

struct FakeServer {
    addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
}

impl FakeServer {
    async fn start(upstream: SocketAddr) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mode = Arc::new(Mutex::new(Mode::Relay));
        let task_mode = mode.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = task_mode.lock().expect("mode").clone();
                tokio::spawn(handle(client, mode, upstream));
            }
        });
        FakeServer { addr, mode }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }
}

async fn handle(mut client: TcpStream, mode: Mode, upstream: SocketAddr) {
    if let Mode::Relay = mode {
        if let Ok(mut server) = TcpStream::connect(upstream).await {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
        return;
    }
    // Read the whole request first, so the client sees our answer rather than a reset.
    if read_request(&mut client).await.is_none() {
        return;
    }
    match mode {
        Mode::Relay => {}
        Mode::Answer(raw) => {
            let _ = client.write_all(&raw).await;
            let _ = client.shutdown().await;
        }
        Mode::Drip(head) => {
            if client.write_all(&head).await.is_err() {
                return;
            }
            for _ in 0..600 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if client.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        Mode::Hang => tokio::time::sleep(Duration::from_secs(120)).await,
    }
}

async fn read_request(client: &mut TcpStream) -> Option<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let n = client.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Some(());
        }
    }
}

fn response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

fn json_200(body: &str) -> Mode {
    Mode::Answer(Arc::new(response(
        "200 OK",
        "application/json",
        body.as_bytes(),
    )))
}

/// The answers every endpoint may get: not one of them is a usable push or pull response.
fn generic_cases() -> Vec<(&'static str, Mode)> {
    const HTML: &str = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
        <body><h1>Bad Gateway</h1><p>nginx</p></body></html>";
    let block = vec![b'a'; 1024 * 1024];
    let oversized = MAX_RESPONSE_BYTES + block.len();
    let mut huge_with_length = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {oversized}\r\n\
         connection: close\r\n\r\n{{\"cursor\": \""
    )
    .into_bytes();
    huge_with_length.resize(huge_with_length.len() + oversized - 12, b'a');
    // The same size chunked, without a length to refuse it by: the limit must hold while streaming.
    let mut huge_chunked =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\
          connection: close\r\n\r\n"
            .to_vec();
    for _ in 0..oversized / block.len() {
        huge_chunked.extend_from_slice(format!("{:x}\r\n", block.len()).as_bytes());
        huge_chunked.extend_from_slice(&block);
        huge_chunked.extend_from_slice(b"\r\n");
    }
    huge_chunked.extend_from_slice(b"0\r\n\r\n");
    let truncated = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\
        connection: close\r\n\r\n{\"last_mutation_id\": 0, \"results\": [], \"cursor\": \"abc\", \"assign"
        .to_vec();
    vec![
        (
            "invalid JSON",
            json_200("{\"last_mutation_id\": 1, \"results\": ["),
        ),
        ("not JSON at all", json_200("ok")),
        (
            "wrong types",
            json_200(
                r#"{"last_mutation_id": "seven", "results": "none", "cursor": 5,
                    "server_time": true, "assignments": {}, "removed": 3}"#,
            ),
        ),
        ("missing fields", json_200("{}")),
        ("JSON null", json_200("null")),
        ("JSON array", json_200("[]")),
        (
            "negative counter",
            json_200(
                r#"{"last_mutation_id": -4, "results": [], "cursor": "c",
                    "server_time": "2026-01-01T00:00:00Z", "assignments": [], "removed": []}"#,
            ),
        ),
        (
            "body over the size limit, with its length",
            Mode::Answer(Arc::new(huge_with_length)),
        ),
        (
            "body over the size limit, chunked",
            Mode::Answer(Arc::new(huge_chunked)),
        ),
        (
            "HTML error page (502)",
            Mode::Answer(Arc::new(response(
                "502 Bad Gateway",
                "text/html",
                HTML.as_bytes(),
            ))),
        ),
        (
            "HTML page with 200",
            Mode::Answer(Arc::new(response("200 OK", "text/html", HTML.as_bytes()))),
        ),
        (
            "500 with an error body",
            Mode::Answer(Arc::new(response(
                "500 Internal Server Error",
                "application/json",
                br#"{"error": {"code": "internal", "message": "database on fire"}}"#,
            ))),
        ),
        (
            "500 empty",
            Mode::Answer(Arc::new(response(
                "500 Internal Server Error",
                "text/plain",
                b"",
            ))),
        ),
        ("truncated body", Mode::Answer(Arc::new(truncated))),
        (
            "not HTTP",
            Mode::Answer(Arc::new(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec())),
        ),
        (
            "connection closed at once",
            Mode::Answer(Arc::new(Vec::new())),
        ),
    ]
}

/// Pull answers that are well-formed JSON but carry a hostile item or counter.
fn hostile_pulls(template: &Value) -> Vec<(&'static str, Mode)> {
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut pull = template.clone();
        f(&mut pull);
        json_200(&pull.to_string())
    };
    let mut deep = String::new();
    for _ in 0..100_000 {
        deep.push_str("{\"a\":");
    }
    deep.push('1');
    for _ in 0..100_000 {
        deep.push('}');
    }
    let deep_pull = {
        let text = template.to_string();
        let payload = template["assignments"][0]["item"]["payload"].to_string();
        text.replacen(&payload, &deep, 1)
    };
    vec![
        (
            "item id not a UUID",
            mutate(&|p| p["assignments"][0]["item"]["id"] = json!("'; DROP TABLE assignments; --")),
        ),
        (
            "unknown stage",
            mutate(&|p| p["assignments"][0]["stage"] = json!("vip")),
        ),
        (
            "unknown risk",
            mutate(&|p| p["assignments"][0]["item"]["ai"]["risk"] = json!("apocalyptic")),
        ),
        (
            "confidence as a string",
            mutate(&|p| p["assignments"][0]["item"]["ai"]["confidence"] = json!("0.7")),
        ),
        (
            "priority as a float",
            mutate(&|p| p["assignments"][0]["item"]["priority"] = json!(1e30)),
        ),
        (
            "title missing",
            mutate(&|p| {
                if let Some(item) = p["assignments"][0]["item"].as_object_mut() {
                    item.remove("title");
                }
            }),
        ),
        (
            "lease epoch negative",
            mutate(&|p| p["assignments"][0]["lease"]["epoch"] = json!(-1)),
        ),
        (
            "lease expiry not a time",
            mutate(&|p| p["assignments"][0]["lease"]["expires_at"] = json!("tomorrow")),
        ),
        (
            "unknown removal reason",
            mutate(&|p| {
                let id = p["assignments"][0]["item"]["id"].clone();
                p["removed"] = json!([{"item_id": id, "reason": "nuked"}]);
            }),
        ),
        (
            "server ahead of this client's mutation counter",
            mutate(&|p| p["last_mutation_id"] = json!(1_000_000)),
        ),
        ("payload nested 100 000 deep", json_200(&deep_pull)),
        // An item of a kind this client does not know makes it fetch GET /v1/kinds, which the fake
        // answers with the same body: a pull that also carries a bad `kinds` list. Nothing is applied.
        (
            "kinds answer malformed",
            mutate(&|p| {
                p["assignments"][0]["item"]["kind"] = json!("support_reply");
                p["kinds"] = json!([{"kind": 5, "label": ["not", "text"]}]);
            }),
        ),
        (
            "kinds answer lists a kind twice",
            mutate(&|p| {
                p["assignments"][0]["item"]["kind"] = json!("support_reply");
                let definition = json!({
                    "kind": "support_reply", "label": "Support reply", "plural": "Support replies",
                    "payload_schema": {"type": "object"}, "output_schema": {"type": "object"},
                    "reason_codes": [{"code": "other", "label": "Other"}],
                    "revision": 1, "updated_at": "2026-01-01T00:00:00Z",
                });
                p["kinds"] = json!([definition.clone(), definition]);
            }),
        ),
    ]
}

/// Every table of the store, row by row, as text; `ignore` names the columns a failed sync may change.
async fn snapshot(data_dir: &Path) -> BTreeMap<String, Vec<String>> {
    const IGNORE: &[(&str, &str)] = &[
        ("sync_state", "last_sync"),
        ("sync_state", "online"),
        ("sync_state", "last_error"),
        ("sync_state", "notification_status"),
        // A push attempt numbers the waiting decisions (pending → in flight under a fixed id).
        ("sync_state", "next_mutation_id"),
        ("outbox", "state"),
        ("outbox", "mutation_id"),
    ];
    let path = data_dir.join(countersign_client::store::DATABASE_FILE);
    let mut db = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .expect("open the store read-only");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut db)
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut db)
                .await
                .expect("columns");
        let kept: Vec<String> = columns
            .iter()
            .filter(|c| !IGNORE.contains(&(table.as_str(), c.as_str())))
            .map(|c| format!("'{c}=' || quote({c})"))
            .collect();
        // Ordered by the row's text: not every table has a rowid (assignment_counts has none).
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT {} FROM {table} ORDER BY 1",
            kept.join(" || ' ' || ")
        ))
        .fetch_all(&mut db)
        .await
        .expect("rows");
        out.insert(table, rows);
    }
    db.close().await.expect("close");
    out
}

async fn cursor(data_dir: &Path) -> Option<String> {
    let path = data_dir.join(countersign_client::store::DATABASE_FILE);
    let mut db = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .expect("open the store read-only");
    let cursor = sqlx::query_scalar("SELECT cursor FROM sync_state WHERE id = 1")
        .fetch_one(&mut db)
        .await
        .expect("cursor");
    db.close().await.expect("close");
    cursor
}

async fn pending(reviewer: &Reviewer) -> u64 {
    reviewer.json(&["status", "--json"]).await["pending"]
        .as_u64()
        .expect("pending")
}

/// Runs `sync` against the hostile answer: it must fail, in bounded time, with a message, and change
/// nothing but sync status fields.
async fn expect_refused(reviewer: &Reviewer, name: &str) -> Duration {
    let before = snapshot(reviewer.data_dir()).await;
    let started = Instant::now();
    let output = tokio::time::timeout(SYNC_BOUND, reviewer.run(&["sync"]))
        .await
        .unwrap_or_else(|_| panic!("{name}: sync did not end within {SYNC_BOUND:?}"));
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "{name}: sync must fail, it printed {}",
        String::from_utf8_lossy(&output.stdout)
    );
    // Exit code 1 with a message: not a panic (101) and not a signal.
    assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    let message = stderr.trim();
    assert!(
        message.starts_with("countersign-cli: ") && message.len() > 40,
        "{name}: the message is not clear: {message}"
    );
    assert!(
        message.len() < 2000,
        "{name}: the message is a dump: {} bytes",
        message.len()
    );
    let after = snapshot(reviewer.data_dir()).await;
    assert_eq!(before, after, "{name}: the store changed");
    // Status still works and reports offline or an error, never a crash.
    let status = reviewer.json(&["status", "--json"]).await;
    assert!(status["pending"].is_u64(), "{name}: {status}");
    eprintln!(
        "{name}: refused in {} ms: {}",
        elapsed.as_millis(),
        message.lines().next().unwrap_or_default()
    );
    elapsed
}

async fn setup() -> (QueueProcess, FakeServer, Reviewer, Vec<String>) {
    let queue = QueueProcess::start(Some("prefetch = 100\n")).await;
    for n in 0..6 {
        queue.submit(&format!("hostile-{n}")).await;
    }
    let fake = FakeServer::start(queue.proxy.addr).await;
    let alice = Reviewer {
        dir: tempfile::tempdir().expect("temp dir"),
        token: queue.add_user("alice", "reviewer").await,
        server: fake.url(),
    };
    alice.ok(&["sync"]).await;
    let ids: Vec<String> = alice.item_ids().await;
    assert_eq!(ids.len(), 6);
    (queue, fake, alice, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_change_nothing_and_lose_nothing() {
    let (queue, fake, alice, ids) = setup().await;

    // Phase 1: two decisions wait to upload; every push gets a hostile answer.
    alice.ok(&["decide", &ids[0], "approve"]).await;
    alice
        .ok(&["decide", &ids[1], "reject", "--reason", "card_testing"])
        .await;
    assert_eq!(pending(&alice).await, 2);
    let mut refused = 0;
    let mut slowest = Duration::ZERO;
    for (name, mode) in generic_cases() {
        fake.set(mode);
        slowest = slowest.max(expect_refused(&alice, &format!("push: {name}")).await);
        assert_eq!(pending(&alice).await, 2, "push: {name}: decisions waiting");
        refused += 1;
    }

    // Nothing reached the server yet.
    for id in &ids[..2] {
        let item = queue.item(id).await;
        assert_eq!(item["decisions"], json!([]), "{item}");
    }

    // The real server gets them now, exactly once.
    fake.set(Mode::Relay);
    alice.ok(&["sync"]).await;
    assert_eq!(pending(&alice).await, 0);

    // Phase 2: nothing to push; every pull gets a hostile answer.
    let mut cases = generic_cases();
    let state: Value = alice.json(&["show", &ids[2], "--json"]).await;
    let template = json!({
        "cursor": "hostile-cursor",
        "last_mutation_id": 2,
        "server_time": "2026-01-01T00:00:00Z",
        "assignments": [{
            "item": queue.item(&ids[2]).await,
            "stage": "review",
            "lease": {"id": uuid::Uuid::now_v7(), "epoch": 7, "expires_at": "2099-01-01T00:00:00Z"},
        }],
        "removed": [],
    });
    assert!(state["item"].is_object(), "{state}");
    cases.extend(hostile_pulls(&template));
    for (name, mode) in cases {
        fake.set(mode);
        slowest = slowest.max(expect_refused(&alice, &format!("pull: {name}")).await);
        refused += 1;
    }

    // Control: the template itself is a valid pull, so each case above failed for its hostility.
    fake.set(json_200(&template.to_string()));
    alice.ok(&["sync"]).await;
    let shown = alice.json(&["show", &ids[2], "--json"]).await;
    assert_eq!(shown["item_id"], ids[2].as_str(), "{shown}");
    assert_eq!(
        cursor(alice.data_dir()).await.as_deref(),
        Some("hostile-cursor")
    );

    // The real server does not know that cursor (422 invalid_cursor): the client starts over with a
    // full snapshot instead of being stuck (regression: it used to fail every sync from here on).
    fake.set(Mode::Relay);
    alice.ok(&["sync"]).await;
    assert_ne!(
        cursor(alice.data_dir()).await.as_deref(),
        Some("hostile-cursor")
    );

    // Exactly once on the server, and the reviewer can carry on against the real server.
    fake.set(Mode::Relay);
    alice.ok(&["decide", &ids[3], "approve"]).await;
    alice.ok(&["sync"]).await;
    for (id, action) in [
        (&ids[0], "approve"),
        (&ids[1], "reject"),
        (&ids[3], "approve"),
    ] {
        let item = queue.item(id).await;
        let decisions = item["decisions"].as_array().expect("decisions");
        assert_eq!(decisions.len(), 1, "{item}");
        assert_eq!(decisions[0]["action"], action, "{item}");
    }
    eprintln!(
        "{refused} hostile answers refused, slowest in {} ms",
        slowest.as_millis()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_hangs_or_drips_is_given_up_on_in_bounded_time() {
    let (_queue, fake, alice, ids) = setup().await;
    alice.ok(&["decide", &ids[0], "approve"]).await;
    let drip_head =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{";
    let cases = [
        ("no answer at all", Mode::Hang),
        (
            "a body one byte at a time",
            Mode::Drip(Arc::new(drip_head.to_vec())),
        ),
    ];
    for (name, mode) in cases {
        fake.set(mode);
        let elapsed = expect_refused(&alice, name).await;
        assert!(
            elapsed >= Duration::from_secs(5),
            "{name}: it did wait: {elapsed:?}"
        );
        assert_eq!(pending(&alice).await, 1, "{name}");
    }
}
