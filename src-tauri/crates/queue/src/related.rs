//! Related items (`GET /v1/items/{id}/related`, docs/protocol.md "Related items"): the items sharing an
//! identifying value with one item (the registered kinds' `identifiers` hints: a filter name and a JSON
//! Pointer into the item), decided ones with their last decision, newest first, at most
//! [`RELATED_LIMIT`]. Only what the caller may see: an admin sees every item; others ask about an
//! item by [`teams::may_ask_about`] and see the items their teams admit ([`teams::admits`], the rule
//! leases are granted by).

use std::collections::BTreeMap;

use countersign_domain::{
    Action, FieldFilter, ItemId, ItemStatus, RELATED_LIMIT, RelatedItem, RelatedItems, Role,
};
use serde_json::Value;

use crate::auth::Caller;
use crate::db::{Db, col, from_micros, parse_wire};
use crate::error::StoreError;
use crate::{kinds, teams};

/// The related items of `id`, or `None` when there is no such item or the caller may not ask about
/// it (the two are never told apart).
pub async fn related(
    db: &Db,
    caller: &Caller,
    id: ItemId,
) -> Result<Option<RelatedItems>, StoreError> {
    let admin = caller.role == Role::Admin;
    let mut anchor_sql = "SELECT kind, payload, ai FROM items i WHERE i.id = $1".to_owned();
    if let Some(rule) = teams::may_ask_about(caller.role, "i", "$2") {
        anchor_sql.push_str(&format!(" AND {rule}"));
    }
    let mut anchor = sqlx::query(&anchor_sql).bind(id.to_string());
    if !admin {
        anchor = anchor.bind(caller.name.clone());
    }
    let Some(row) = anchor.fetch_optional(&db.pool).await? else {
        return Ok(None);
    };
    let kind: String = col(&row, "kind")?;
    let item = Parts {
        payload: parse_json(&col::<String>(&row, "payload")?)?,
        ai: parse_json(&col::<String>(&row, "ai")?)?,
    };

    let definitions = kinds::list(db).await?;
    // filter name → (kind, pointer), for every kind that names the filter.
    let mut by_filter: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for definition in &definitions {
        for identifier in &definition.spec.hints.identifiers {
            by_filter
                .entry(identifier.filter.as_str())
                .or_default()
                .push((definition.kind.as_str(), identifier.pointer.as_str()));
        }
    }

    let mut found: BTreeMap<String, (i64, RelatedItem)> = BTreeMap::new();
    for (filter, fields) in &by_filter {
        let Some(value) = fields
            .iter()
            .filter(|(k, _)| *k == kind)
            .find_map(|(_, pointer)| item.text_at(pointer))
        else {
            continue;
        };
        let shared = FieldFilter {
            name: (*filter).to_owned(),
            value,
        };
        for (other_kind, pointer) in fields {
            let Some((column, keys)) = split_pointer(pointer) else {
                continue;
            };
            let Some(path) = db.backend.json_path(&keys) else {
                continue;
            };
            let mut sql = format!(
                "SELECT i.id, i.kind, i.title, i.status, i.created_at, \
                 (SELECT d.action FROM decisions d WHERE d.item_id = i.id ORDER BY d.seq DESC LIMIT 1) \
                 AS last_action, \
                 (SELECT d.at FROM decisions d WHERE d.item_id = i.id ORDER BY d.seq DESC LIMIT 1) \
                 AS last_at \
                 FROM items i WHERE i.kind = $1 AND i.id <> $2 AND i.gold_id IS NULL AND lower({}) = lower($4)",
                db.backend.json_text(&format!("i.{column}"), "$3")
            );
            if !admin {
                sql.push_str(&format!(" AND {}", teams::admits("i", "$6")));
            }
            sql.push_str(" ORDER BY i.created_at DESC, i.id LIMIT $5");
            let mut query = sqlx::query(&sql)
                .bind((*other_kind).to_owned())
                .bind(id.to_string())
                .bind(path)
                .bind(shared.value.clone())
                .bind(RELATED_LIMIT as i64);
            if !admin {
                query = query.bind(caller.name.clone());
            }
            for row in query.fetch_all(&db.pool).await? {
                let other: String = col(&row, "id")?;
                if let Some((_, known)) = found.get_mut(&other) {
                    if !known.shared.contains(&shared) {
                        known.shared.push(shared.clone());
                    }
                    continue;
                }
                let status: ItemStatus = parse_wire(&col::<String>(&row, "status")?)?;
                let final_decision = status != ItemStatus::Pending;
                let outcome = match col::<Option<String>>(&row, "last_action")? {
                    Some(action) if final_decision => Some(parse_wire::<Action>(&action)?),
                    _ => None,
                };
                let decided_at = match col::<Option<i64>>(&row, "last_at")? {
                    Some(at) if final_decision => Some(from_micros(at)),
                    _ => None,
                };
                let created: i64 = col(&row, "created_at")?;
                found.insert(
                    other.clone(),
                    (
                        created,
                        RelatedItem {
                            id: parse_wire(&other)?,
                            kind: col(&row, "kind")?,
                            title: col(&row, "title")?,
                            status,
                            outcome,
                            decided_at,
                            created_at: from_micros(created),
                            shared: vec![shared.clone()],
                        },
                    ),
                );
            }
        }
    }
    let mut items: Vec<(i64, RelatedItem)> = found.into_values().collect();
    items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    items.truncate(RELATED_LIMIT);
    Ok(Some(RelatedItems {
        items: items.into_iter().map(|(_, item)| item).collect(),
    }))
}

/// The parts of a stored item an identifier may point into.
struct Parts {
    payload: Value,
    ai: Value,
}

impl Parts {
    /// The string or number at `pointer` (into the item), as text.
    fn text_at(&self, pointer: &str) -> Option<String> {
        let (column, keys) = split_pointer(pointer)?;
        let root = match column {
            "payload" => &self.payload,
            _ => &self.ai,
        };
        let inner: String = keys.iter().map(|key| format!("/{key}")).collect();
        match root.pointer(&inner)? {
            Value::String(text) => Some(text.clone()),
            number @ Value::Number(_) => Some(number.to_string()),
            _ => None,
        }
    }
}

/// `/payload/a/b` → (`payload`, [a, b]); `/ai/output/x` → (`ai`, [output, x]). Other pointers (and
/// escaped keys, `~0` `~1`) are not followed.
fn split_pointer(pointer: &str) -> Option<(&'static str, Vec<&str>)> {
    let mut parts = pointer.strip_prefix('/')?.split('/');
    let column = match parts.next()? {
        "payload" => "payload",
        "ai" => "ai",
        _ => return None,
    };
    let keys: Vec<&str> = parts.collect();
    if keys.is_empty() || keys.iter().any(|key| key.contains('~')) {
        return None;
    }
    Some((column, keys))
}

fn parse_json(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("stored item JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_into_the_payload_and_the_ai_are_followed_and_no_others() {
        assert_eq!(
            split_pointer("/payload/merchant/name"),
            Some(("payload", vec!["merchant", "name"]))
        );
        assert_eq!(
            split_pointer("/ai/output/patient"),
            Some(("ai", vec!["output", "patient"]))
        );
        for other in ["/title", "payload/x", "/payload", "/payload/a~1b"] {
            assert_eq!(split_pointer(other), None, "{other}");
        }
        let parts = Parts {
            payload: serde_json::json!({"card": {"last4": 4242}, "merchant": {"name": "Acme"}}),
            ai: serde_json::json!({"output": {"patient": "P-1"}}),
        };
        assert_eq!(
            parts.text_at("/payload/card/last4").as_deref(),
            Some("4242")
        );
        assert_eq!(
            parts.text_at("/payload/merchant/name").as_deref(),
            Some("Acme")
        );
        assert_eq!(parts.text_at("/ai/output/patient").as_deref(), Some("P-1"));
        assert_eq!(parts.text_at("/payload/merchant").as_deref(), None);
    }
}
