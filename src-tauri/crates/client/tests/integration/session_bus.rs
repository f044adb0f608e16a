//! Keyring and notifications against real D-Bus services. Run them inside
//! `scripts/with-session-bus.sh` (a private session bus with gnome-keyring and a mock notification
//! server); it sets COUNTERSIGN_REQUIRE_DBUS=1, and then these tests never skip.
//! The no-keyring test needs no bus and always runs.

use countersign_testkit::{QueueProcess, fixtures, notification_daemon};

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use countersign_client::model::NotificationStatus;
use countersign_client::notify::{self, DesktopNotifier, Notice, NoticeTarget, Notifier};
use countersign_client::remote::Token;
use countersign_client::secrets::{OsKeyring, Secrets};
use countersign_domain::ItemId;

/// True when the session bus services are there; false (after saying so loudly) when they are not and
/// nobody required them. Panics when they were required but are missing.
fn session_bus_required() -> bool {
    let required = std::env::var_os("COUNTERSIGN_REQUIRE_DBUS").is_some();
    if !required {
        eprintln!(
            "\n*** SKIPPED: keyring/notification test needs a D-Bus session; run it under \
             src-tauri/crates/client/scripts/with-session-bus.sh (sets COUNTERSIGN_REQUIRE_DBUS=1) ***\n"
        );
        return false;
    }
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "COUNTERSIGN_REQUIRE_DBUS is set but there is no session bus (DBUS_SESSION_BUS_ADDRESS)"
    );
    true
}

#[test]
fn keyring_stores_returns_and_forgets_the_token_through_secret_service() {
    if !session_bus_required() {
        return;
    }
    let server = format!("http://127.0.0.1:1/{}", uuid::Uuid::now_v7());
    assert!(OsKeyring.token(&server).expect("read").is_none());
    OsKeyring
        .store_token(&server, &Token::new("secret-token-1"))
        .expect("store in Secret Service");
    let read = OsKeyring
        .token(&server)
        .expect("read back")
        .expect("present");
    assert_eq!(read.expose(), "secret-token-1");
    OsKeyring
        .store_token(&server, &Token::new("secret-token-2"))
        .expect("replace");
    assert_eq!(
        OsKeyring
            .token(&server)
            .expect("read")
            .expect("present")
            .expose(),
        "secret-token-2"
    );
    OsKeyring.forget_token(&server).expect("delete");
    assert!(OsKeyring.token(&server).expect("read").is_none());
    OsKeyring
        .forget_token(&server)
        .expect("deleting a missing token is not an error");
}

#[tokio::test]
async fn notifications_reach_the_session_bus_server() {
    if !session_bus_required() {
        return;
    }
    let notifier: Arc<dyn Notifier> = Arc::new(DesktopNotifier::default());
    assert_eq!(
        notify::probe(notifier.clone(), Duration::from_secs(5)).await,
        NotificationStatus::Working
    );
    let summary = format!("Escalated to you {}", uuid::Uuid::now_v7());
    let shown = show(notifier, &summary, NoticeTarget::Inbox).await;
    assert!(
        !shown.line.contains("\"default\""),
        "no click handler, no action: {}",
        shown.line
    );
}

/// Shows one notice through `notifier` and finds its Notify call in the mock's log.
async fn show(
    notifier: Arc<dyn Notifier>,
    summary: &str,
    opens: NoticeTarget,
) -> notification_daemon::Shown {
    let status = notify::deliver(
        notifier,
        vec![Notice {
            summary: summary.to_owned(),
            body: "Card payment EUR 4,980".into(),
            opens,
        }],
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(status, NotificationStatus::Working);
    notification_daemon::wait_for(summary, Duration::from_secs(5))
        .unwrap_or_else(|| panic!("Notify call not seen: {:?}", notification_daemon::shown()))
}

/// A click on a notice (the server's `ActionInvoked` with the default action) reaches the handler
/// with the item the notice is about.
#[tokio::test]
async fn a_clicked_notice_reports_its_item() {
    if !session_bus_required() {
        return;
    }
    let (clicks, mut clicked) = tokio::sync::mpsc::unbounded_channel();
    let notifier: Arc<dyn Notifier> = Arc::new(DesktopNotifier::reporting_clicks(move |target| {
        let _ = clicks.send(target);
    }));
    let item_id = ItemId(uuid::Uuid::now_v7());
    let summary = format!("Escalated to you {item_id}");
    let shown = show(notifier, &summary, NoticeTarget::Item { item_id }).await;
    assert!(
        shown.line.contains(r#"["default", "Open"]"#),
        "the notice carries the default action: {}",
        shown.line
    );

    // The waiting thread subscribes just after the notice is shown; a user is never that quick, and
    // a click it missed would only leave this test waiting, so click until it is seen.
    let target = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            notification_daemon::invoke_action(shown.id, "default");
            if let Ok(Some(target)) =
                tokio::time::timeout(Duration::from_millis(200), clicked.recv()).await
            {
                return target;
            }
        }
    })
    .await
    .expect("the click reaches the handler");
    assert_eq!(target, NoticeTarget::Item { item_id });
}

/// With no keyring at all, the CLI says what to install or start, and writes no token file.
#[test]
fn without_a_keyring_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_countersign-cli"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--server", "http://127.0.0.1:9", "sync"])
        .env_remove("COUNTERSIGN_TOKEN")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("run countersign-cli");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("no OS keyring is available") && stderr.contains("COUNTERSIGN_TOKEN"),
        "stderr: {stderr}"
    );
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().all(|f| f.starts_with("countersign.db")),
        "unexpected files: {files:?}"
    );
}

/// COUNTERSIGN_TOKEN wins: the keyring is not consulted, so the failure is the unreachable server.
#[test]
fn the_token_from_the_environment_bypasses_the_keyring() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_countersign-cli"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--server", "http://127.0.0.1:9", "sync"])
        .env("COUNTERSIGN_TOKEN", "token-from-env-7f3a")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .output()
        .expect("run countersign-cli");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot be reached"), "stderr: {stderr}");
    assert!(
        !stderr.contains("token-from-env-7f3a"),
        "token leaked: {stderr}"
    );
}

fn notification_log_contains(needle: &str) -> bool {
    let log_path = std::env::var("COUNTERSIGN_NOTIFICATION_LOG")
        .expect("with-session-bus.sh sets COUNTERSIGN_NOTIFICATION_LOG");
    for _ in 0..50 {
        if std::fs::read_to_string(&log_path).is_ok_and(|log| log.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `login` puts the token in the real Secret Service; `sync` then works with no COUNTERSIGN_TOKEN, and a
/// pull that brings an escalation to a senior raises a notification on the session bus, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_sync_uses_the_keyring_and_notifies_an_escalation_once() {
    if !session_bus_required() {
        return;
    }
    let queue = QueueProcess::start(None).await;
    let title = format!("Wire transfer {}", uuid::Uuid::now_v7());
    // Low confidence and high risk: an escalation under the built-in policy.
    let mut escalation = fixtures::item("escalate-1", "transaction", 0.3, "high");
    escalation["title"] = serde_json::json!(title);
    queue.submit_with(escalation).await;
    let token = queue.add_user("carol", "senior").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = |args: &[&str]| {
        let mut command = Command::new(crate::support::cli_bin());
        command
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--server")
            .arg(queue.url())
            .args(args)
            .env_remove("COUNTERSIGN_TOKEN");
        command
    };

    let mut login = cli(&["login"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start login");
    {
        use std::io::Write;
        let mut stdin = login.stdin.take().expect("stdin");
        writeln!(stdin, "{token}").expect("type the token");
    }
    let login = login.wait_with_output().expect("login");
    assert!(
        login.status.success(),
        "login failed: {}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert!(!String::from_utf8_lossy(&login.stdout).contains(&token));

    for _ in 0..2 {
        let sync = cli(&["sync"]).output().expect("sync");
        assert!(
            sync.status.success(),
            "sync with the keyring token failed: {}",
            String::from_utf8_lossy(&sync.stderr)
        );
    }
    assert!(
        notification_log_contains(&title),
        "no notification for the escalation"
    );
    let log =
        std::fs::read_to_string(std::env::var("COUNTERSIGN_NOTIFICATION_LOG").expect("log path"))
            .expect("read log");
    assert_eq!(
        log.matches(&title).count(),
        1,
        "raised once across two pulls:\n{log}"
    );
    let status = cli(&["status", "--json"]).output().expect("status");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(status["notifications"]["state"], "working");
}

/// A watching senior hears of an escalation from its `escalation` event, and the pull that then
/// brings the item raises nothing more: one notice for the item, and it is held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_event_is_shown_once_and_the_pull_brings_the_item() {
    if !session_bus_required() {
        return;
    }
    use countersign_client::SystemClock;
    use countersign_client::remote::QueueClient;
    use countersign_client::store::Store;
    use countersign_client::sync::SyncEngine;

    let queue = QueueProcess::start(None).await;
    let token = queue.add_user("sana", "senior").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("store");
    let engine = SyncEngine::new(
        store.clone(),
        QueueClient::new(&queue.url(), Token::new(token)).expect("client"),
        Arc::new(DesktopNotifier::default()),
        Arc::new(SystemClock),
    );
    engine.sync_once().await.expect("first sync");
    let watching = tokio::spawn({
        let engine = engine.clone();
        async move { engine.watch().await }
    });
    // Let the watch loop open its event stream before the escalation is submitted.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let title = format!("Escalated wire {}", uuid::Uuid::now_v7());
    // Low confidence and high risk: an escalation under the built-in policy.
    let mut escalation = fixtures::item("escalate-event", "transaction", 0.3, "high");
    escalation["title"] = serde_json::json!(title);
    let item_id: ItemId = queue
        .submit_with(escalation)
        .await
        .parse()
        .expect("an item id");

    let shown = notification_daemon::wait_for(&title, Duration::from_secs(20));
    assert!(
        shown.is_some(),
        "no notice: {:?}",
        notification_daemon::shown()
    );
    let mut held = None;
    for _ in 0..100 {
        held = store.get(item_id).await.expect("store read");
        if held.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(held.is_some(), "the pull after the event brings the item");
    // Another round, with the item held: still nothing more to tell.
    engine.sync_once().await.expect("a later sync");
    watching.abort();
    let notices = notification_daemon::shown()
        .into_iter()
        .filter(|shown| shown.line.contains(&title))
        .count();
    assert_eq!(notices, 1, "{:?}", notification_daemon::shown());
}

/// `countersign-cli` signs through the real keyring: `signing set-pin` registers this device's key,
/// sealed by the PIN; an approval the policy wants signed is refused without `--sign` and with a
/// wrong PIN; with the PIN it is signed while the queue is down, and the queue accepts it on the
/// next sync with the manifest on the item (docs/protocol.md, "Signatures").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_signs_offline_with_the_pin_and_the_queue_accepts_it() {
    if !session_bus_required() {
        return;
    }
    let policy = "[[rules]]\nname = \"signed\"\nkinds = [\"clinical_suggestion\"]\nroute = \"review\"\n\
                  signature = \"approval\"\n";
    let mut queue = QueueProcess::start(Some(policy)).await;
    let id = queue
        .submit_with(fixtures::item("c-1", "clinical_suggestion", 0.7, "medium"))
        .await;
    let token = queue.add_user("dana", "reviewer").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = queue.url();
    let cli = |args: &[&str], pin: Option<&str>| {
        let mut command = Command::new(crate::support::cli_bin());
        command
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--server")
            .arg(&url)
            .args(args)
            .env("COUNTERSIGN_TOKEN", &token)
            .env_remove("COUNTERSIGN_PIN")
            .stdin(Stdio::null());
        if let Some(pin) = pin {
            command.env("COUNTERSIGN_PIN", pin);
        }
        command.output().expect("run countersign-cli")
    };
    let failed =
        |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).to_string();

    let set = cli(&["signing", "set-pin"], Some("dana-pin-2468"));
    assert!(set.status.success(), "set-pin: {}", failed(&set));
    let server = countersign_client::remote::normalise_server_url(&url).expect("url");
    let sealed = OsKeyring
        .signing_key(&server)
        .expect("read the keyring")
        .expect("the sealed key is in the keyring");
    assert!(!sealed.contains("dana-pin-2468"), "the PIN is never kept");
    let sync = cli(&["sync"], None);
    assert!(sync.status.success(), "sync: {}", failed(&sync));

    let show = cli(&["show", &id], None);
    assert!(
        String::from_utf8_lossy(&show.stdout)
            .contains("approvals must be signed, meaning approval: decide with --sign"),
        "{}",
        String::from_utf8_lossy(&show.stdout)
    );
    let unsigned = cli(&["decide", &id, "approve"], None);
    assert!(!unsigned.status.success());
    assert!(
        failed(&unsigned).contains("sign with --sign"),
        "{}",
        failed(&unsigned)
    );
    let wrong = cli(&["decide", &id, "approve", "--sign"], Some("not-the-pin"));
    assert!(!wrong.status.success());
    assert!(
        failed(&wrong).contains("wrong signing PIN"),
        "{}",
        failed(&wrong)
    );

    queue.stop().await;
    let signed = cli(&["decide", &id, "approve", "--sign"], Some("dana-pin-2468"));
    assert!(
        signed.status.success(),
        "offline signing: {}",
        failed(&signed)
    );
    queue.restart().await;
    let sync = cli(&["sync"], None);
    assert!(sync.status.success(), "sync: {}", failed(&sync));
    assert!(
        String::from_utf8_lossy(&sync.stdout).contains("1 applied"),
        "{}",
        String::from_utf8_lossy(&sync.stdout)
    );
    let item = queue.item(&id).await;
    assert_eq!(item["decisions"][0]["signature"]["signer_name"], "dana");
    OsKeyring.forget_signing_key(&server).expect("clean up");
}
