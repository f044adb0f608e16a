//! Desktop notifications, best effort: sent on a thread of their own with a timeout, and a failure is a
//! status to show, never an error for the caller.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use countersign_domain::{GoldAlert, ItemId};
use serde::Serialize;

use crate::model::NotificationStatus;
use crate::plan::{NotifyReason, NotifyRequest};

/// How long a notification server may take before it counts as not working.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);
/// More notices than this from one pull become a single summary, not a burst of popups.
pub const MAX_SEPARATE_NOTICES: usize = 3;

/// Notices shown with a click action whose thread still waits for the click: each waits until its
/// notice is clicked or closed, so a notification server that never closes them must not pile up
/// threads. Beyond this, notices are shown without waiting (a click on them does nothing).
pub const MAX_WAITING_FOR_CLICKS: usize = 32;
/// The action a click on the notice's body invokes (the Desktop Notifications spec's default action).
const DEFAULT_ACTION: &str = "default";

/// What clicking a notice opens in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "open", rename_all = "snake_case")]
pub enum NoticeTarget {
    /// The item the notice is about.
    Item { item_id: ItemId },
    /// The inbox filtered to escalations: a summary of several notices with escalations among them.
    Escalations,
    /// The inbox: a summary of several notices without escalations.
    Inbox,
    /// The analytics view: a team member's gold accuracy fell below the minimum.
    Analytics,
}

/// One popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
    pub opens: NoticeTarget,
}

/// A notification server. Blocking calls: the dispatcher runs them on their own thread.
pub trait Notifier: Send + Sync + 'static {
    fn show(&self, notice: &Notice) -> Result<(), String>;
    /// Whether notifications can be shown now, with a word on the server when they can.
    fn probe(&self) -> Result<String, String>;
}

/// Shows nothing, for runs with no desktop to show on (benchmarks, tests of sync rather than popups).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Notifier for Silent {
    fn show(&self, _notice: &Notice) -> Result<(), String> {
        Ok(())
    }
    fn probe(&self) -> Result<String, String> {
        Ok("silent: nothing is shown".into())
    }
}

/// Keeps what it was asked to show, for tests of what the core raises; the real notifier on D-Bus
/// is tested in tests/integration/session_bus.rs.
#[derive(Debug, Default)]
pub struct Recording(std::sync::Mutex<Vec<Notice>>);

impl Recording {
    pub fn summaries(&self) -> Vec<String> {
        self.shown()
            .into_iter()
            .map(|notice| notice.summary)
            .collect()
    }

    pub fn shown(&self) -> Vec<Notice> {
        self.0.lock().map(|shown| shown.clone()).unwrap_or_default()
    }
}

impl Notifier for Recording {
    fn show(&self, notice: &Notice) -> Result<(), String> {
        self.0
            .lock()
            .map_err(|error| error.to_string())?
            .push(notice.clone());
        Ok(())
    }
    fn probe(&self) -> Result<String, String> {
        Ok("recording".to_owned())
    }
}

/// Called with what a clicked notice opens, on the thread that saw the click.
pub type ClickHandler = Arc<dyn Fn(NoticeTarget) + Send + Sync>;

/// The OS notification service through notify-rust (a D-Bus notification server on Linux). With a
/// click handler, each notice carries the default action and a thread of its own waits for it (on
/// the notice's own connection, where some desktops send the click), at most
/// [`MAX_WAITING_FOR_CLICKS`] at once.
#[derive(Clone, Default)]
pub struct DesktopNotifier {
    on_click: Option<ClickHandler>,
    waiting: Arc<AtomicUsize>,
}

impl DesktopNotifier {
    /// A notifier that reports clicks to `on_click`; the shell brings its window forward there.
    pub fn reporting_clicks(on_click: impl Fn(NoticeTarget) + Send + Sync + 'static) -> Self {
        Self {
            on_click: Some(Arc::new(on_click)),
            waiting: Arc::default(),
        }
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    fn await_click(&self, handle: notify_rust::NotificationHandle, opens: NoticeTarget) {
        let Some(on_click) = self.on_click.clone() else {
            return;
        };
        let Some(slot) = WaitingSlot::take(&self.waiting) else {
            tracing::debug!("too many notices wait for a click; this one is shown without");
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("countersign-notice-click".to_owned())
            .spawn(move || {
                let _slot = slot;
                handle.wait_for_action(|action| {
                    if action == DEFAULT_ACTION {
                        on_click(opens);
                    }
                });
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot wait for a click on the notice");
        }
    }

    /// Clicks are reported only through the Desktop Notifications spec (Linux and the BSDs).
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    fn await_click<H>(&self, _handle: H, _opens: NoticeTarget) {}
}

/// One of the [`MAX_WAITING_FOR_CLICKS`] places, given back when dropped (also by a panicking thread).
struct WaitingSlot(Arc<AtomicUsize>);

impl WaitingSlot {
    fn take(waiting: &Arc<AtomicUsize>) -> Option<Self> {
        waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_WAITING_FOR_CLICKS).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(waiting.clone()))
    }
}

impl Drop for WaitingSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Notifier for DesktopNotifier {
    fn show(&self, notice: &Notice) -> Result<(), String> {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname("Countersign")
            .summary(&notice.summary)
            .body(&notice.body);
        if self.on_click.is_some() {
            notification.action(DEFAULT_ACTION, "Open");
        }
        let handle = notification.show().map_err(explain)?;
        self.await_click(handle, notice.opens);
        Ok(())
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    fn probe(&self) -> Result<String, String> {
        notify_rust::get_server_information()
            .map(|info| format!("{} {}", info.name, info.version))
            .map_err(explain)
    }

    #[cfg(not(all(unix, not(target_os = "macos"))))]
    fn probe(&self) -> Result<String, String> {
        Ok("system notifications".to_owned())
    }
}

/// A notification failure in words a reviewer can act on. Without a session bus the D-Bus library
/// only reports a missing socket file.
fn explain(error: notify_rust::error::Error) -> String {
    if cfg!(all(unix, not(target_os = "macos")))
        && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
    {
        return format!(
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); notifications need a desktop session ({error})"
        );
    }
    error.to_string()
}

fn status(result: Result<String, String>) -> NotificationStatus {
    match result {
        Ok(_) => NotificationStatus::Working,
        Err(reason) => NotificationStatus::NotWorking(reason),
    }
}

/// The notice of a `gold_alert` event (docs/protocol.md, "Gold items"), for the team's seniors: who,
/// on which kind, how far below the minimum, and what the queue does about it meanwhile.
pub fn gold_alert_notice(alert: &GoldAlert) -> Notice {
    let GoldAlert {
        reviewer,
        kind,
        team,
        accuracy,
        min_accuracy,
    } = alert;
    Notice {
        summary: "Gold accuracy below the minimum".to_owned(),
        body: format!(
            "{reviewer} on {kind} ({team}): {accuracy} against a minimum of {:.0}%. \
             High-risk {kind} items skip {reviewer} until the accuracy recovers.",
            min_accuracy * 100.0
        ),
        opens: NoticeTarget::Analytics,
    }
}

/// Turns pulled triggers into popups: one per item while few, one summary when many.
pub fn notices_for(requests: &[NotifyRequest]) -> Vec<Notice> {
    if requests.len() > MAX_SEPARATE_NOTICES {
        let count = |reason| requests.iter().filter(|r| r.reason == reason).count();
        let parts: Vec<String> = [
            (NotifyReason::Escalation, "escalations"),
            (NotifyReason::SecondApproval, "second approvals"),
            (NotifyReason::DueSoon, "items due soon"),
            (NotifyReason::Mention, "mentions"),
        ]
        .into_iter()
        .filter(|(reason, _)| count(*reason) > 0)
        .map(|(reason, label)| format!("{} {label}", count(reason)))
        .collect();
        let opens = if count(NotifyReason::Escalation) > 0 {
            NoticeTarget::Escalations
        } else {
            NoticeTarget::Inbox
        };
        return vec![Notice {
            summary: "Countersign: work needs you".to_owned(),
            body: parts.join(", "),
            opens,
        }];
    }
    requests
        .iter()
        .map(|request| Notice {
            opens: NoticeTarget::Item {
                item_id: request.item_id,
            },
            summary: match request.reason {
                NotifyReason::Escalation => "Escalated to you",
                NotifyReason::SecondApproval => "Second approval needed",
                NotifyReason::DueSoon => "Due soon",
                NotifyReason::Mention => "Mentioned in a comment",
            }
            .to_owned(),
            body: request.title.clone(),
        })
        .collect()
}

/// Runs `job` on a detached thread and waits at most `timeout`. A detached thread, not the async
/// runtime's blocking pool, because the runtime waits for its pool on shutdown and a hung notification
/// server must not keep the process alive.
async fn off_thread<T: Send + 'static>(
    timeout: Duration,
    job: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("countersign-notify".to_owned())
        .spawn(move || {
            // The receiver may have timed out and gone; nothing is left to tell then.
            let _ = sender.send(job());
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    match tokio::time::timeout(timeout, receiver).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the notification thread stopped without an answer".to_owned()),
        Err(_) => Err(format!(
            "the notification server did not answer within {} s",
            timeout.as_secs()
        )),
    }
}

/// Shows `notices` and returns whether that worked.
pub async fn deliver(
    notifier: Arc<dyn Notifier>,
    notices: Vec<Notice>,
    timeout: Duration,
) -> NotificationStatus {
    if notices.is_empty() {
        return NotificationStatus::Working;
    }
    let result = off_thread(timeout, move || {
        for notice in &notices {
            notifier.show(notice)?;
        }
        Ok(String::new())
    })
    .await;
    if let Err(reason) = &result {
        tracing::warn!(%reason, "notification not shown");
    }
    status(result)
}

/// Asks the notification server whether it is there, within `timeout`.
pub async fn probe(notifier: Arc<dyn Notifier>, timeout: Duration) -> NotificationStatus {
    status(off_thread(timeout, move || notifier.probe()).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use uuid::Uuid;

    fn request(n: u128, reason: NotifyReason) -> NotifyRequest {
        NotifyRequest {
            item_id: ItemId(Uuid::from_u128(n)),
            reason,
            title: format!("item {n}"),
            kind: "transaction".to_owned(),
            team: None,
            due_at: None,
        }
    }

    #[test]
    fn notices_table() {
        use NotifyReason::*;
        let item = |n: u128| NoticeTarget::Item {
            item_id: ItemId(Uuid::from_u128(n)),
        };
        type Case = (
            Vec<NotifyRequest>,
            Vec<(&'static str, &'static str, NoticeTarget)>,
        );
        let cases: Vec<Case> = vec![
            (vec![], vec![]),
            (
                vec![request(1, Escalation)],
                vec![("Escalated to you", "item 1", item(1))],
            ),
            (
                vec![request(1, SecondApproval), request(2, DueSoon)],
                vec![
                    ("Second approval needed", "item 1", item(1)),
                    ("Due soon", "item 2", item(2)),
                ],
            ),
            (
                vec![NotifyRequest::mention(countersign_domain::MentionNotice {
                    item_id: ItemId(Uuid::from_u128(5)),
                    title: "Card payment".to_owned(),
                    kind: "transaction".to_owned(),
                    team: Some("fraud".to_owned()),
                    by: "sara".to_owned(),
                    comment_id: countersign_domain::DecisionId(Uuid::from_u128(9)),
                    excerpt: "@ana same card?".to_owned(),
                })],
                vec![(
                    "Mentioned in a comment",
                    "sara on Card payment: @ana same card?",
                    item(5),
                )],
            ),
            (
                vec![
                    request(1, Mention),
                    request(2, Mention),
                    request(3, DueSoon),
                    request(4, Mention),
                ],
                vec![(
                    "Countersign: work needs you",
                    "1 items due soon, 3 mentions",
                    NoticeTarget::Inbox,
                )],
            ),
            (
                vec![
                    request(1, Escalation),
                    request(2, Escalation),
                    request(3, DueSoon),
                    request(4, Escalation),
                ],
                vec![(
                    "Countersign: work needs you",
                    "3 escalations, 1 items due soon",
                    NoticeTarget::Escalations,
                )],
            ),
            (
                vec![
                    request(1, DueSoon),
                    request(2, SecondApproval),
                    request(3, DueSoon),
                    request(4, DueSoon),
                ],
                vec![(
                    "Countersign: work needs you",
                    "1 second approvals, 3 items due soon",
                    NoticeTarget::Inbox,
                )],
            ),
        ];
        for (requests, expected) in cases {
            let got: Vec<(String, String, NoticeTarget)> = notices_for(&requests)
                .into_iter()
                .map(|n| (n.summary, n.body, n.opens))
                .collect();
            let expected: Vec<(String, String, NoticeTarget)> = expected
                .into_iter()
                .map(|(s, b, o)| (s.to_owned(), b.to_owned(), o))
                .collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn click_waiters_are_bounded_and_given_back() {
        let waiting = Arc::new(AtomicUsize::new(0));
        let slots: Vec<WaitingSlot> = (0..MAX_WAITING_FOR_CLICKS)
            .map(|_| WaitingSlot::take(&waiting).expect("a free place"))
            .collect();
        assert!(WaitingSlot::take(&waiting).is_none(), "all taken");
        drop(slots);
        assert_eq!(waiting.load(Ordering::Acquire), 0);
        assert!(WaitingSlot::take(&waiting).is_some());
    }

    struct FakeNotifier {
        shown: Mutex<Vec<Notice>>,
        behaviour: Result<Duration, String>,
    }

    impl Notifier for FakeNotifier {
        fn show(&self, notice: &Notice) -> Result<(), String> {
            let delay = self.behaviour.clone()?;
            std::thread::sleep(delay);
            self.shown
                .lock()
                .map_err(|e| e.to_string())?
                .push(notice.clone());
            Ok(())
        }
        fn probe(&self) -> Result<String, String> {
            self.behaviour.clone().map(|_| "fake".to_owned())
        }
    }

    fn notice() -> Vec<Notice> {
        vec![Notice {
            summary: "s".into(),
            body: "b".into(),
            opens: NoticeTarget::Inbox,
        }]
    }

    #[tokio::test]
    async fn a_working_server_shows_the_notice() {
        let fake = Arc::new(FakeNotifier {
            shown: Mutex::default(),
            behaviour: Ok(Duration::ZERO),
        });
        let status = deliver(fake.clone(), notice(), Duration::from_secs(5)).await;
        assert_eq!(status, NotificationStatus::Working);
        assert_eq!(fake.shown.lock().expect("lock").len(), 1);
    }

    #[tokio::test]
    async fn a_failing_server_is_a_status_not_an_error() {
        let fake = Arc::new(FakeNotifier {
            shown: Mutex::default(),
            behaviour: Err("org.freedesktop.DBus.Error.ServiceUnknown".into()),
        });
        let status = deliver(fake.clone(), notice(), Duration::from_secs(5)).await;
        assert!(
            matches!(&status, NotificationStatus::NotWorking(_)),
            "{status}"
        );
        let probed = probe(fake, Duration::from_secs(5)).await;
        assert!(
            matches!(&probed, NotificationStatus::NotWorking(reason) if reason.contains("ServiceUnknown")),
            "{probed}"
        );
    }

    #[tokio::test]
    async fn a_hung_server_times_out() {
        let fake = Arc::new(FakeNotifier {
            shown: Mutex::default(),
            behaviour: Ok(Duration::from_secs(30)),
        });
        // A bound on a hang, not a speed test: without the timeout this would wait 30 s.
        let status = tokio::time::timeout(
            Duration::from_secs(5),
            deliver(fake, notice(), Duration::from_millis(200)),
        )
        .await
        .expect("deliver gives up at its own timeout");
        assert!(
            matches!(&status, NotificationStatus::NotWorking(reason) if reason.contains("did not answer")),
            "{status}"
        );
    }
}
