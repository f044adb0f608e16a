//! Related cases for the open item: other items sharing an identifying value (the same merchant, card,
//! customer, patient), from the server for every item the reviewer may see, decided ones with their
//! outcome, merged with those held here; from the cache alone when the server cannot answer.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use countersign_domain::{Action, ItemId, RelatedItems};
use serde::Serialize;

use crate::remote::QueueClient;
use crate::search::{FieldFilter, IdentifierFields};
use crate::store::{RelatedItem, Store, StoreError};

/// The related cases of the held item `item_id`: the server's answer (when `remote` is given and
/// answers) merged with the held ones, else the held ones alone. Never fails for the server's sake.
pub async fn related_cases(
    store: &Store,
    remote: Option<&QueueClient>,
    item_id: ItemId,
    fields: &IdentifierFields,
) -> Result<RelatedCases, StoreError> {
    let held = store.related(item_id, fields).await?;
    let Some(remote) = remote else {
        return Ok(RelatedCases::held_only(held));
    };
    match remote.related(item_id).await {
        Ok(answer) => Ok(RelatedCases::merged(answer, held)),
        Err(error) => {
            tracing::debug!(%error, "related cases from the cache only");
            Ok(RelatedCases::held_only(held))
        }
    }
}

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
    /// The server's items in its order (newest first), marked held when they are here, then the held
    /// ones it did not name (past its cap, or an identifier it does not follow).
    pub fn merged(server: RelatedItems, held: Vec<RelatedItem>) -> Self {
        let held_ids: HashSet<ItemId> = held.iter().map(|h| h.summary.item_id).collect();
        let mut cases: Vec<RelatedCase> = server
            .items
            .into_iter()
            .map(|item| RelatedCase {
                item_id: item.id,
                held: held_ids.contains(&item.id),
                kind: item.kind,
                title: item.title,
                outcome: item.outcome,
                decided_at: item.decided_at,
                shared: item.shared,
            })
            .collect();
        for held in held {
            match cases.iter_mut().find(|c| c.item_id == held.summary.item_id) {
                Some(case) => {
                    for shared in held.shared {
                        if !case.shared.contains(&shared) {
                            case.shared.push(shared);
                        }
                    }
                }
                None => cases.push(RelatedCase::from(held)),
            }
        }
        Self {
            cases,
            source: RelatedSource::Server,
        }
    }

    /// The cache's answer alone.
    pub fn held_only(held: Vec<RelatedItem>) -> Self {
        Self {
            cases: held.into_iter().map(RelatedCase::from).collect(),
            source: RelatedSource::HeldOnly,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use countersign_domain::{Epoch, ItemStatus, LeaseId, RelatedItem as ServerItem, Risk, Stage};

    use super::*;
    use crate::model::{AssignmentStatus, AssignmentSummary};

    fn time(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 9, minute, 0)
            .single()
            .expect("valid time")
    }

    fn filter(name: &str, value: &str) -> FieldFilter {
        FieldFilter {
            name: name.into(),
            value: value.into(),
        }
    }

    fn held(id: ItemId, shared: Vec<FieldFilter>) -> RelatedItem {
        RelatedItem {
            summary: AssignmentSummary {
                item_id: id,
                kind: "transaction".into(),
                title: format!("held {id}"),
                stage: Stage::Review,
                priority: 1,
                risk: Risk::Medium,
                confidence: 0.5,
                due_at: None,
                status: AssignmentStatus::Open,
                status_message: None,
                lease_id: LeaseId::new_v7(),
                lease_epoch: Epoch(1),
                lease_expires_at: time(30),
                removed_reason: None,
                blind_pending: false,
            },
            shared,
        }
    }

    fn server(id: ItemId, outcome: Option<Action>, shared: Vec<FieldFilter>) -> ServerItem {
        ServerItem {
            id,
            kind: "transaction".into(),
            title: format!("server {id}"),
            status: if outcome.is_some() {
                ItemStatus::Decided
            } else {
                ItemStatus::Pending
            },
            outcome,
            decided_at: outcome.map(|_| time(5)),
            created_at: time(1),
            shared,
        }
    }

    /// The server's order and outcomes, `held` where the item is here, the shared values of both, and
    /// the held items the server did not name added after its own.
    #[test]
    fn the_servers_answer_is_merged_with_the_held_items() {
        let (decided, both, held_only) = (ItemId::new_v7(), ItemId::new_v7(), ItemId::new_v7());
        let merchant = filter("merchant", "Acme");
        let card = filter("card", "4242");
        let answer = RelatedItems {
            items: vec![
                server(decided, Some(Action::Reject), vec![merchant.clone()]),
                server(both, None, vec![merchant.clone()]),
            ],
        };
        let merged = RelatedCases::merged(
            answer,
            vec![
                held(held_only, vec![card.clone()]),
                held(both, vec![merchant.clone(), card.clone()]),
            ],
        );
        assert_eq!(merged.source, RelatedSource::Server);
        let rows: Vec<(ItemId, bool, Option<Action>, Vec<FieldFilter>)> = merged
            .cases
            .iter()
            .map(|c| (c.item_id, c.held, c.outcome, c.shared.clone()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (decided, false, Some(Action::Reject), vec![merchant.clone()]),
                (both, true, None, vec![merchant.clone(), card.clone()]),
                (held_only, true, None, vec![card.clone()]),
            ]
        );
        assert_eq!(merged.cases[0].decided_at, Some(time(5)));

        let offline = RelatedCases::held_only(vec![held(held_only, vec![card.clone()])]);
        assert_eq!(offline.source, RelatedSource::HeldOnly);
        assert_eq!(offline.cases.len(), 1);
        assert!(offline.cases[0].held);
    }
}
