//! Related cases for the open item: other items sharing an identifying value (the same merchant, card,
//! customer, patient), from the server for every item the reviewer may see, decided ones with their
//! outcome, merged with those held here; from the cache alone when the server cannot answer.

use chrono::{DateTime, Utc};
use countersign_domain::{Action, ItemId};
use serde::Serialize;

use crate::search::FieldFilter;
use crate::store::RelatedItem;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RelatedCases {
    pub cases: Vec<RelatedCase>,
    pub source: RelatedSource,
}

/// Where the cases came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RelatedSource {
    /// The server's answer, with the held items added.
    Server,
    /// Offline, or the server failed: only the items held here.
    HeldOnly,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RelatedCase {
    pub item_id: ItemId,
    pub kind: String,
    pub title: String,
    /// In this reviewer's inbox: opens in the review pane.
    pub held: bool,
    /// The item's final outcome when it is decided (its last decision's action), else None.
    pub outcome: Option<Action>,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub decided_at: Option<DateTime<Utc>>,
    /// The identifying values it shares with the open item.
    pub shared: Vec<FieldFilter>,
}

impl From<RelatedItem> for RelatedCase {
    /// A held item: its outcome is the server's to say once its decision is applied.
    fn from(held: RelatedItem) -> Self {
        Self {
            item_id: held.summary.item_id,
            kind: held.summary.kind,
            title: held.summary.title,
            held: true,
            outcome: None,
            decided_at: None,
            shared: held.shared,
        }
    }
}

impl RelatedCases {
    /// The cache's answer alone.
    pub fn held_only(held: Vec<RelatedItem>) -> Self {
        Self {
            cases: held.into_iter().map(RelatedCase::from).collect(),
            source: RelatedSource::HeldOnly,
        }
    }
}
