//! The server's registered kinds as last fetched (docs/protocol.md, "Kinds"): kept so an item renders
//! from its kind's hints offline, and a reject is checked against the kind's reason codes before it
//! reaches the outbox.

use chrono::{DateTime, Utc};
use countersign_domain::kind::{KindDefinition, KindList};
use sqlx::{Row, SqliteConnection};

use super::codec::{from_json, parse_time, timestamp, to_json};
use super::{Store, StoreError};

impl Store {
    /// The synced kinds, by name.
    pub async fn kinds(&self) -> Result<KindList, StoreError> {
        let rows = sqlx::query("SELECT definition FROM kinds ORDER BY kind")
            .fetch_all(&self.pool)
            .await?;
        let kinds = rows
            .iter()
            .map(|row| from_json("kind definition", &row.try_get::<String, _>("definition")?))
            .collect::<Result<Vec<KindDefinition>, StoreError>>()?;
        Ok(KindList { kinds })
    }

    /// Replaces the synced kinds with `list` (checked by [`crate::plan::check_kinds`] first), and
    /// remembers which of `seen` (kinds of pulled items) it does not register, until a later list
    /// does; one transaction.
    pub async fn replace_kinds(
        &self,
        list: &KindList,
        seen: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_immediate().await?;
        sqlx::query("DELETE FROM kinds").execute(&mut *tx).await?;
        for definition in &list.kinds {
            sqlx::query("INSERT INTO kinds (kind, revision, definition) VALUES (?, ?, ?)")
                .bind(&definition.kind)
                .bind(definition.revision)
                .bind(to_json(definition)?)
                .execute(&mut *tx)
                .await?;
        }
        for kind in seen {
            if !list.kinds.iter().any(|definition| definition.kind == *kind) {
                sqlx::query("INSERT OR IGNORE INTO kinds_unregistered (kind) VALUES (?)")
                    .bind(kind)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // A kind registered since it was last seen unregistered is known now.
        sqlx::query("DELETE FROM kinds_unregistered WHERE kind IN (SELECT kind FROM kinds)")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO kinds_fetched (id, fetched_at) VALUES (1, ?) \
             ON CONFLICT (id) DO UPDATE SET fetched_at = excluded.fetched_at",
        )
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Of `kinds`, those neither synced nor known to be unregistered at the last fetch.
    pub async fn unknown_kinds(&self, kinds: &[String]) -> Result<Vec<String>, StoreError> {
        let mut unknown = Vec::new();
        for kind in kinds {
            let known: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM kinds WHERE kind = ?1) \
                 + (SELECT COUNT(*) FROM kinds_unregistered WHERE kind = ?1)",
            )
            .bind(kind)
            .fetch_one(&self.pool)
            .await?;
            if known == 0 && !unknown.contains(kind) {
                unknown.push(kind.clone());
            }
        }
        Ok(unknown)
    }

    /// When the kinds were last fetched; `None` before the first time.
    pub async fn kinds_fetched_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT fetched_at FROM kinds_fetched WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        text.as_deref().map(parse_time).transpose()
    }
}

/// The reason codes a reject of `kind` may carry, when the kind is synced.
pub(super) async fn reason_codes(
    conn: &mut SqliteConnection,
    kind: &str,
) -> Result<Option<Vec<String>>, StoreError> {
    let definition: Option<String> =
        sqlx::query_scalar("SELECT definition FROM kinds WHERE kind = ?")
            .bind(kind)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(definition) = definition else {
        return Ok(None);
    };
    let definition: KindDefinition = from_json("kind definition", &definition)?;
    Ok(Some(
        definition
            .spec
            .reason_codes
            .into_iter()
            .map(|reason| reason.code)
            .collect(),
    ))
}
