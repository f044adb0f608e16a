//! The mock notification server that `with-session-bus.sh` runs (python-dbusmock's
//! notification_daemon template): finding a notice in its log of Notify calls and clicking it by
//! emitting `ActionInvoked` from the mock, as a desktop does when the user clicks a notification.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// The mock's log of every Notify call, one line each, set by `with-session-bus.sh`.
pub const LOG_ENV: &str = "COUNTERSIGN_NOTIFICATION_LOG";

/// One Notify call the mock answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The id the mock gave it: it numbers from 1 in call order (every caller here asks for a new id).
    pub id: u32,
    /// The log line, e.g. `1795995753.644 Notify "Countersign" 0 "" "summary" "body" ["default", "Open"] {} -1`.
    pub line: String,
}

impl Shown {
    /// When the mock took the call (the log line's Unix time, in milliseconds).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        let seconds: f64 = self.line.split_whitespace().next()?.parse().ok()?;
        DateTime::from_timestamp_micros((seconds * 1e6).round() as i64)
    }
}

fn log_path() -> PathBuf {
    PathBuf::from(std::env::var(LOG_ENV).unwrap_or_else(|_| {
        panic!(
            "{LOG_ENV} is not set: run under src-tauri/crates/client/scripts/with-session-bus.sh"
        )
    }))
}

/// Notify calls so far, in order.
pub fn shown() -> Vec<Shown> {
    let log = std::fs::read_to_string(log_path()).unwrap_or_default();
    log.lines()
        .filter(|line| line.split_whitespace().nth(1) == Some("Notify"))
        .zip(1..)
        .map(|(line, id)| Shown {
            id,
            line: line.to_owned(),
        })
        .collect()
}

/// The first notice whose log line contains `text`, waiting for it up to `timeout` (the mock writes
/// its log line as the call returns).
pub fn wait_for(text: &str, timeout: Duration) -> Option<Shown> {
    let start = Instant::now();
    loop {
        if let Some(found) = shown().into_iter().find(|s| s.line.contains(text)) {
            return Some(found);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Clicks notice `id`: the mock emits `ActionInvoked(id, action)` (`"default"`: its body).
pub fn invoke_action(id: u32, action: &str) {
    let output = Command::new("gdbus")
        .args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.Notifications",
            "--object-path",
            "/org/freedesktop/Notifications",
            "--method",
            "org.freedesktop.DBus.Mock.EmitSignal",
            "--",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            "us",
            &format!("[<uint32 {id}>, <'{action}'>]"),
        ])
        .output()
        .expect("run gdbus (apt-get install -y libglib2.0-bin)");
    assert!(
        output.status.success(),
        "EmitSignal ActionInvoked failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
