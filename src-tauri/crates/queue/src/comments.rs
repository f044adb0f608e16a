//! Comments on an item (docs/protocol.md, "Comments"): a `comment` mutation through the push, so a
//! comment is applied exactly once like a decision; who may comment, and whom an `@name` reaches.
//! A comment is only an audit entry (`comment`), so it is in the item's history.

use countersign_domain::{Role, mentions};
use sqlx::AnyConnection;

use crate::auth::Caller;
use crate::db::{col, parse_wire, placeholders};
use crate::error::StoreError;
use crate::teams;

/// At most this many `@name`s of one comment are looked up and notified.
pub const MAX_MENTIONS: usize = 20;

/// Whether `caller` may ask about item `id`, on this connection (false too when there is no such
/// item): who may read an item's history may comment on it.
pub(crate) async fn may_ask(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<bool, StoreError> {
    let mut sql = "SELECT i.id FROM items i WHERE i.id = $1".to_owned();
    let rule = teams::may_ask_about(caller.role, "i", "$2");
    if let Some(rule) = &rule {
        sql.push_str(&format!(" AND {rule}"));
    }
    let mut query = sqlx::query(&sql).bind(id.to_owned());
    if rule.is_some() {
        query = query.bind(caller.name.clone());
    }
    Ok(query.fetch_optional(conn).await?.is_some())
}

/// The users `text` mentions who exist, are enabled, are not `author`, and may read item `id`'s
/// history: the people its comment notifies, in the order mentioned.
pub(crate) async fn mentioned(
    conn: &mut AnyConnection,
    id: &str,
    text: &str,
    author: &str,
) -> Result<Vec<String>, StoreError> {
    let names: Vec<String> = mentions(text)
        .into_iter()
        .filter(|name| name != author)
        .take(MAX_MENTIONS)
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT name, role FROM users WHERE disabled = 0 AND name IN ({})",
        placeholders(1, names.len())
    );
    let mut query = sqlx::query(&sql);
    for name in &names {
        query = query.bind(name.clone());
    }
    let mut users = Vec::new();
    for row in query.fetch_all(&mut *conn).await? {
        let role: Role = parse_wire(&col::<String>(&row, "role")?)?;
        users.push(Caller {
            name: col(&row, "name")?,
            role,
        });
    }
    let mut notified = Vec::new();
    for name in &names {
        let Some(user) = users.iter().find(|user| &user.name == name) else {
            continue;
        };
        if may_ask(conn, user, id).await? {
            notified.push(name.clone());
        }
    }
    Ok(notified)
}
