//! The item's story for the timeline: its history from the server when it answers (kept for a held
//! item), else as last kept, so it opens offline; with the comments made here that the history does
//! not show yet (unsent, or sent after it was fetched, or refused).

use chrono::{DateTime, SubsecRound, Utc};
use countersign_domain::{HistoryEntry, ItemId};
use serde::Serialize;

use crate::remote::QueueClient;
use crate::store::{LocalComment, Store, StoreError};

/// Where the history came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StorySource {
    /// The server's answer now.
    Server,
    /// The server could not be asked or did not answer: the history as last fetched.
    Cache,
    /// Neither: only the comments made here.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemStory {
    pub item_id: ItemId,
    /// The audit entries about the item, oldest first.
    pub entries: Vec<HistoryEntry>,
    pub source: StorySource,
    /// When the entries were fetched; None when there are none to show.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub fetched_at: Option<DateTime<Utc>>,
    /// Comments made here that `entries` does not hold, oldest first.
    pub local_comments: Vec<LocalComment>,
}

/// The story of `item_id`: from `remote` when given and it answers (then kept when the item is held
/// here), else the kept one. Never fails for the server's sake.
pub async fn item_story(
    store: &Store,
    remote: Option<&QueueClient>,
    item_id: ItemId,
    now: DateTime<Utc>,
) -> Result<ItemStory, StoreError> {
    let fetched = match remote {
        Some(remote) => match remote.history(item_id).await {
            Ok(history) => {
                store.save_history(&history, now).await?;
                // As the store keeps times (microseconds), so the cached copy says the same.
                Some((history.entries, now.trunc_subsecs(6)))
            }
            Err(error) => {
                tracing::debug!(%error, "the item's history from the cache");
                None
            }
        },
        None => None,
    };
    let (entries, source, fetched_at) = match fetched {
        Some((entries, at)) => (entries, StorySource::Server, Some(at)),
        None => match store.cached_history(item_id).await? {
            Some(cached) => (
                cached.history.entries,
                StorySource::Cache,
                Some(cached.fetched_at),
            ),
            None => (Vec::new(), StorySource::Unavailable, None),
        },
    };
    let told: Vec<String> = entries
        .iter()
        .filter_map(|entry| entry.data.get("decision_id").and_then(|id| id.as_str()))
        .map(str::to_owned)
        .collect();
    let local_comments = store
        .local_comments(item_id)
        .await?
        .into_iter()
        .filter(|comment| !told.contains(&comment.comment_id.to_string()))
        .collect();
    Ok(ItemStory {
        item_id,
        entries,
        source,
        fetched_at,
        local_comments,
    })
}
