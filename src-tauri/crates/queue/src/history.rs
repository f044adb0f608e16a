//! An item's story (`GET /v1/items/{id}/history`, docs/protocol.md "Item history"): every audit
//! entry about the item, oldest first, for whoever may ask about it (`teams::may_ask_about`).

use chrono::DateTime;
use countersign_domain::{AuditAction, HistoryEntry, ItemHistory, ItemId, Role};

use crate::auth::Caller;
use crate::db::Db;
use crate::error::StoreError;
use crate::{audit, comments};

/// Audit entries read at a time.
const PAGE: i64 = 1000;

/// The history of item `id`, or `None` when there is no such item or the caller may not ask about
/// it.
pub async fn history(
    db: &Db,
    caller: &Caller,
    id: ItemId,
) -> Result<Option<ItemHistory>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    if !comments::may_ask(&mut conn, caller, &id.to_string()).await? {
        return Ok(None);
    }
    drop(conn);
    let item = id.to_string();
    let mut entries = Vec::new();
    let mut after = 0;
    audit::seal(db).await?;
    loop {
        let page = audit::entries(db, Some(&item), after, PAGE).await?;
        let full = page.len() as i64 == PAGE;
        for entry in page {
            after = entry.seq;
            let action = AuditAction::parse(&entry.action);
            // That an item is a gold copy is for admins only (docs/protocol.md, "Gold items").
            if caller.role != Role::Admin
                && matches!(action, AuditAction::GoldServed | AuditAction::GoldScored)
            {
                continue;
            }
            let at = DateTime::parse_from_rfc3339(&entry.at)
                .map_err(|e| StoreError::corrupt(format!("audit entry {}: time: {e}", entry.seq)))?
                .to_utc();
            entries.push(HistoryEntry {
                seq: entry.seq,
                at,
                actor: entry.actor,
                action,
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
