//! The Countersign desktop core, with no UI in it: the local store and its outbox, the sync engine, the
//! keyring and notifications. The Tauri shell and `countersign-cli` are thin layers over this crate.
//!
//! Where things live: `model` (plain types, no storage), `decision` (the rules a decision must meet),
//! `bulk` (which items one action may decide together), `search`, `related` (related cases, server and
//! cache), `views` (saved views), `store` (SQLite: inbox, outbox, pulls, conflicts, drafts), `plan` (what to send and how to
//! apply answers, pure; it imports `model` only), `sync` (the engine), `remote` (HTTP), `secrets`
//! (the token), `session` (server, token, per-server store and sync task, for both shells), `notify`,
//! `preferences` (which notices to show), `status`, `admin` (the admin view's calls) and `shift` (ending a
//! shift: upload, release with a note).
//!
//! The promise it keeps: a decision the reviewer saw recorded reaches the queue exactly once. It is written
//! to the store and the outbox in one durable transaction before the call returns; it gets its mutation id
//! when first sent and keeps it across every retry; the server applies an id once and replays its result.

pub mod admin;
pub mod bulk;
pub mod decision;
pub mod model;
pub mod notify;
pub mod plan;
pub mod preferences;
pub mod related;
pub mod remote;
pub mod search;
pub mod secrets;
pub mod session;
pub mod shift;
pub mod signing;
/// The analytics view's reports, for seniors and admins.
pub mod stats;
pub mod status;
pub mod store;
pub mod story;
pub mod sync;
pub mod views;

use chrono::{DateTime, Utc};

/// The time, injected so that core logic and its tests never read the wall clock directly.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

/// Any function of no arguments is a clock: a test or a shell can hand in another service's clock
/// (`move || manual.now()`) without a wrapper type.
impl<F> Clock for F
where
    F: Fn() -> DateTime<Utc> + Send + Sync,
{
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the core's one place the wall clock is read
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
