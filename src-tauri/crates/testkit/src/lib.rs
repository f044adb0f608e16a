//! Countersign's test harness, shared by the integration tests of `countersign-tests`, the desktop
//! core and the queue service (a dev-dependency only): the queue service in this process ([`Queue`])
//! or as a child process ([`QueueProcess`]), each on a fresh database of either [`Backend`]
//! ([`on_both_backends!`] runs a scenario on both); one fault-injecting [`Proxy`]; PostgreSQL test
//! databases; the session bus's mock notification server; simulated reviewers for the benchmarks
//! (`load`); and fixture builders for items, assignments and mutations.
//!
//! It must not depend on `countersign-client`: the client's tests use it, and fixtures made of client
//! types stay in those tests.

pub mod backend;
pub mod fixtures;
pub mod load;
pub mod notification_daemon;
pub mod postgres;
pub mod process;
pub mod proxy;
pub mod queue;

use std::time::Duration;

pub use backend::Backend;
pub use process::QueueProcess;
pub use proxy::{Proxy, PullFault};
pub use queue::{Queue, QueueOptions, Reply, TestDb};

/// An HTTP client for tests: connecting gives up after 5 s, so a dead server fails a test instead
/// of hanging it. No overall timeout, so event streams stay open; bound single requests yourself.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("HTTP client")
}
