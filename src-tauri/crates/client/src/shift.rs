//! Ending a shift (issue 9, "Release and hand-off"): upload the decisions made, then give back every
//! held item not decided, each with the reviewer's note for its next holder (a `release` mutation whose
//! `note` becomes the item's `handoff`; docs/protocol.md). Each release goes through the outbox like a
//! decision, so offline it waits there and reaches the queue exactly once.

use chrono::{DateTime, Utc};
use countersign_domain::{Action, ItemId};
use serde::Serialize;

use crate::model::{AssignmentStatus, DecisionInput, ListQuery};
use crate::store::{Store, StoreError};
use crate::sync::SyncEngine;

/// The queue refuses a longer note (docs/protocol.md, "Limits").
pub const NOTE_MAX_CHARS: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    #[error("a hand-off note is needed: say what the next reviewer should know")]
    EmptyNote,
    #[error("the hand-off note is longer than {NOTE_MAX_CHARS} characters")]
    NoteTooLong,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What ending the shift did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShiftEnd {
    /// Held items given back with the note.
    pub released: u32,
    /// Decisions and releases waiting when the shift ended (or queued by it) that the server has
    /// answered since: by this call's uploads or the app's own sync, whichever sent them first.
    pub uploaded: u32,
    /// Decisions and releases still in the outbox (offline): they are sent by the next sync.
    pub pending: u32,
    /// Why the upload stopped, when it did (the server unreachable, say).
    pub upload_error: Option<String>,
}

/// The held items that go back at the end of a shift: those with nothing decided (or whose decision
/// the server refused and that could be decided again).
pub async fn items_to_release(store: &Store) -> Result<Vec<ItemId>, StoreError> {
    let mut items = Vec::new();
    for status in [AssignmentStatus::Open, AssignmentStatus::Rejected] {
        let query = ListQuery {
            status: Some(status),
            ..ListQuery::default()
        };
        items.extend(
            store
                .list_all(&query)
                .await?
                .into_iter()
                .map(|row| row.item_id),
        );
    }
    Ok(items)
}

/// Uploads what is decided, queues a release with `note` for every item [`items_to_release`] names,
/// uploads again and reports. Offline, the uploads fail and everything waits in the outbox.
pub async fn end_shift(
    store: &Store,
    engine: &SyncEngine,
    note: &str,
    now: DateTime<Utc>,
) -> Result<ShiftEnd, ShiftError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(ShiftError::EmptyNote);
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(ShiftError::NoteTooLong);
    }
    let mut end = ShiftEnd::default();
    let waiting = store.pending_count().await?;
    // Decisions first: an item decided in the undo window is not released, and goes up now.
    upload(engine, &mut end).await;
    let release = DecisionInput {
        note: Some(note.to_owned()),
        ..DecisionInput::new(Action::Release)
    };
    for item_id in items_to_release(store).await? {
        match store.decide(item_id, &release, now).await {
            Ok(_) => end.released += 1,
            // Decided meanwhile, or taken away by the server: nothing to give back.
            Err(StoreError::AlreadyDecided(..) | StoreError::NotHeld(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    if end.upload_error.is_none() {
        upload(engine, &mut end).await;
    }
    // Counted from the outbox, not from this call's pushes: a sync running beside it (the app's) may
    // send some of them first, and a resent batch is answered to both.
    let pending = store.pending_count().await?;
    let answered = (waiting + i64::from(end.released) - pending).max(0);
    end.uploaded = u32::try_from(answered).unwrap_or(u32::MAX);
    end.pending = u32::try_from(pending).unwrap_or(u32::MAX);
    Ok(end)
}

async fn upload(engine: &SyncEngine, end: &mut ShiftEnd) {
    if let Err(error) = engine.upload_now().await {
        end.upload_error = Some(error.to_string());
    }
}
