//! An item's story (`GET /v1/items/{id}/history`, docs/protocol.md "Item history"): every audit
//! entry about the item, oldest first, for whoever may ask about it ([`teams::may_ask_about`]).

use chrono::DateTime;
use countersign_domain::{AuditAction, HistoryEntry, ItemHistory, ItemId};

use crate::audit;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::StoreError;
use crate::teams;

/// Audit entries read at a time.
const PAGE: i64 = 1000;

/// Whether `caller` may ask about item `id` (false too when there is no such item; the two are never
/// told apart).
pub(crate) async fn may_ask(db: &Db, caller: &Caller, id: ItemId) -> Result<bool, StoreError> {
    let mut sql = "SELECT i.id FROM items i WHERE i.id = $1".to_owned();
    let rule = teams::may_ask_about(caller.role, "i", "$2");
    if let Some(rule) = &rule {
        sql.push_str(&format!(" AND {rule}"));
    }
    let mut query = sqlx::query(&sql).bind(id.to_string());
    if rule.is_some() {
        query = query.bind(caller.name.clone());
    }
    Ok(query.fetch_optional(&db.pool).await?.is_some())
}

/// The history of item `id`, or `None` when there is no such item or the caller may not ask about
/// it.
pub async fn history(
    db: &Db,
    caller: &Caller,
    id: ItemId,
) -> Result<Option<ItemHistory>, StoreError> {
    if !may_ask(db, caller, id).await? {
        return Ok(None);
    }
    let item = id.to_string();
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let page = audit::entries(db, Some(&item), after, PAGE).await?;
        let full = page.len() as i64 == PAGE;
        for entry in page {
            after = entry.seq;
            let at = DateTime::parse_from_rfc3339(&entry.at)
                .map_err(|e| StoreError::corrupt(format!("audit entry {}: time: {e}", entry.seq)))?
                .to_utc();
            entries.push(HistoryEntry {
                seq: entry.seq,
                at,
                actor: entry.actor,
                action: AuditAction::parse(&entry.action),
                data: entry.data,
            });
        }
        if !full {
            break;
        }
    }
    Ok(Some(ItemHistory {
        item_id: id,
        entries,
    }))
}
