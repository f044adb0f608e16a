//! The hash-chained audit log. Entry n's hash is the hex SHA-256 of entry n-1's hash followed by
//! the canonical (sorted keys, no whitespace) JSON of {seq, at, actor, action, item_id, data}.
//! A change records its entries in its own transaction without touching the chain; the sealer
//! chains them (docs/protocol.md, "Recording and sealing").

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use countersign_domain::AuditAction;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::db::{Backend, Db, ROWS_PER_STATEMENT, Tx, col};
use crate::error::StoreError;

/// How often each service process seals what changes recorded.
const SEAL_INTERVAL: Duration = Duration::from_millis(100);

/// About the most recorded entries one sealing transaction chains (a few more when changes commit
/// during it).
const SEAL_BATCH: i64 = 5000;

pub(crate) const GENESIS_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub item_id: Option<String>,
    pub data: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// This entry's hash when it follows an entry whose hash is `prev_hash`.
    fn hash_after(&self, prev_hash: &str) -> String {
        entry_hash(
            prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            self.item_id.as_deref(),
            &self.data,
        )
    }
}

/// An entry before it is chained.
#[derive(Debug, Clone)]
pub(crate) struct AuditEvent {
    pub actor: String,
    pub action: &'static str,
    pub item_id: Option<String>,
    pub data: Value,
}

impl AuditEvent {
    /// The action's wire name is stored: an action is always one of the enum's.
    pub fn new(actor: &str, action: AuditAction, item_id: Option<String>, data: Value) -> Self {
        AuditEvent {
            actor: actor.to_owned(),
            action: action.as_str(),
            item_id,
            data,
        }
    }
}

/// Writes `value` as JSON with object keys sorted and no whitespace, independent of how
/// serde_json orders maps in this build.
pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(values) => {
            out.push('[');
            for (index, item) in values.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub(crate) fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    item_id: Option<&str>,
    data: &Value,
) -> String {
    let body = json!({
        "seq": seq, "at": at, "actor": actor, "action": action, "item_id": item_id, "data": data,
    });
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(canonical_json(&body).as_bytes());
    hex::encode(hasher.finalize())
}

/// Records events in the caller's transaction, for [`seal`] to chain once it commits. Takes no
/// lock: changes do not wait for one another on the chain.
pub(crate) async fn append(
    tx: &mut Tx,
    backend: Backend,
    now: DateTime<Utc>,
    events: &[AuditEvent],
) -> Result<(), StoreError> {
    let at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO audit_pending (at, actor, action, item_id, data) VALUES {}",
            backend.values_rows(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for event in chunk {
            query = query
                .bind(&at)
                .bind(&event.actor)
                .bind(event.action)
                .bind(event.item_id.as_deref())
                .bind(canonical_json(&event.data));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What a [`seal`] did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sealed {
    /// Entries chained.
    pub entries: u64,
    /// Time spent waiting for the head (on SQLite, for the write lock), over all its batches.
    pub head_wait: Duration,
}

/// Chains every recorded entry committed so far, in the order they were recorded: under the head
/// row's lock, in transactions of about [`SEAL_BATCH`] entries that each move them from
/// `audit_pending` to the log and move the head. Waits while another process seals: what it reads
/// next must be chained.
pub async fn seal(db: &Db) -> Result<Sealed, StoreError> {
    seal_with(db, db.backend.for_update()).await
}

/// [`seal`], unless another process holds the head: it is sealing what waits, and this process's
/// next round takes what it leaves, so waiting for it would only hold a connection idle.
async fn seal_unless_busy(db: &Db) -> Result<Sealed, StoreError> {
    seal_with(db, db.backend.skip_locked()).await
}

/// `head_lock` locks the head row, waiting for it or skipping it when held.
async fn seal_with(db: &Db, head_lock: &str) -> Result<Sealed, StoreError> {
    let mut sealed = Sealed::default();
    loop {
        let waiting = sqlx::query("SELECT id FROM audit_pending LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
        if waiting.is_none() {
            return Ok(sealed);
        }
        let asked = Instant::now();
        let mut tx = db.begin_write().await?;
        let head = sqlx::query(&format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{head_lock}"
        ))
        .fetch_optional(&mut *tx)
        .await?;
        sealed.head_wait += asked.elapsed();
        let Some(head) = head else {
            // Held by another process's sealer.
            return Ok(sealed);
        };
        // A bound on `id`, not `id IN (… LIMIT n)`: with the statistics of a table that empties
        // every 100 ms, PostgreSQL planned that as a nested loop over both (minutes for 60,000
        // rows). Rows committed below the bound since the first statement are deleted, returned
        // and sealed with the rest.
        let bound: Option<i64> =
            sqlx::query_scalar("SELECT id FROM audit_pending ORDER BY id LIMIT 1 OFFSET $1")
                .bind(SEAL_BATCH - 1)
                .fetch_optional(&mut *tx)
                .await?;
        let rows = sqlx::query(
            "DELETE FROM audit_pending WHERE $1 IS NULL OR id <= $1 \
             RETURNING id, at, actor, action, item_id, data",
        )
        .bind(bound)
        .fetch_all(&mut *tx)
        .await?;
        let mut recorded = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = col(row, "id")?;
            let data: String = col(row, "data")?;
            recorded.push((
                id,
                AuditEntry {
                    seq: 0,
                    at: col(row, "at")?,
                    actor: col(row, "actor")?,
                    action: col(row, "action")?,
                    item_id: col(row, "item_id")?,
                    data: serde_json::from_str(&data)?,
                    prev_hash: String::new(),
                    hash: String::new(),
                },
            ));
        }
        recorded.sort_unstable_by_key(|(id, _)| *id);
        let mut seq: i64 = col(&head, "seq")?;
        let mut prev_hash: String = col(&head, "hash")?;
        let mut chained = Vec::with_capacity(recorded.len());
        for (_, mut entry) in recorded {
            seq += 1;
            entry.seq = seq;
            entry.hash = entry.hash_after(&prev_hash);
            entry.prev_hash = std::mem::replace(&mut prev_hash, entry.hash.clone());
            chained.push(entry);
        }
        for chunk in chained.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO audit_log (seq, at, actor, action, item_id, data, prev_hash, hash) VALUES {}",
                db.backend.values_rows(chunk.len(), 8)
            );
            let mut query = sqlx::query(&sql);
            for entry in chunk {
                query = query
                    .bind(entry.seq)
                    .bind(&entry.at)
                    .bind(&entry.actor)
                    .bind(&entry.action)
                    .bind(entry.item_id.as_deref())
                    .bind(canonical_json(&entry.data))
                    .bind(&entry.prev_hash)
                    .bind(&entry.hash);
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        sealed.entries += chained.len() as u64;
        if bound.is_none() {
            return Ok(sealed);
        }
    }
}

/// Seals every [`SEAL_INTERVAL`] until shutdown. What is left recorded at shutdown is sealed by
/// the next process to run or read the log.
pub(crate) async fn run_sealer(state: AppState) {
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            () = tokio::time::sleep(SEAL_INTERVAL) => {}
        }
        match seal_unless_busy(&state.db).await {
            Ok(Sealed { entries: 0, .. }) => {}
            Ok(sealed) => {
                state.metrics.audit_sealed.inc_by(sealed.entries);
                state
                    .metrics
                    .audit_head_wait
                    .observe(sealed.head_wait.as_secs_f64());
            }
            Err(error) => tracing::warn!(%error, "sealing the audit log failed; will retry"),
        }
    }
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let data: String = col(row, "data")?;
    Ok(AuditEntry {
        seq: col(row, "seq")?,
        at: col(row, "at")?,
        actor: col(row, "actor")?,
        action: col(row, "action")?,
        item_id: col(row, "item_id")?,
        data: serde_json::from_str(&data)?,
        prev_hash: col(row, "prev_hash")?,
        hash: col(row, "hash")?,
    })
}

/// Sealed entries in order, optionally for one item, `limit` at a time after `after_seq`. A reader
/// [`seal`]s once first, so that it sees every change committed before it asked.
pub(crate) async fn entries(
    db: &Db,
    item_id: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, item_id, data, prev_hash, hash FROM audit_log \
         WHERE seq > $1 AND ($2 IS NULL OR item_id = $2) ORDER BY seq LIMIT $3",
    )
    .bind(after_seq)
    .bind(item_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Why the chain does not verify, naming the first entry at fault.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ChainBreak {
    #[error("audit entry {seq} is missing: the log jumps from {previous} to {seq}")]
    Gap { previous: i64, seq: i64 },
    #[error("audit entry {seq} does not link to entry {previous}: its prev_hash was changed")]
    Link { previous: i64, seq: i64 },
    #[error("audit entry {seq} was altered: its contents no longer match its hash")]
    Altered { seq: i64 },
    #[error(
        "the audit log ends at entry {last} but its head records entry {head_seq}: entries were removed or the head was altered"
    )]
    Head { last: i64, head_seq: i64 },
}

/// Checks a run of entries that follows (`previous_seq`, `previous_hash`).
pub(crate) fn check_chain(
    previous_seq: i64,
    previous_hash: &str,
    entries: &[AuditEntry],
) -> Result<(), ChainBreak> {
    let (mut seq, mut hash) = (previous_seq, previous_hash.to_owned());
    for entry in entries {
        if entry.seq != seq + 1 {
            return Err(ChainBreak::Gap {
                previous: seq,
                seq: seq + 1,
            });
        }
        if entry.prev_hash != hash {
            return Err(ChainBreak::Link {
                previous: seq,
                seq: entry.seq,
            });
        }
        if entry.hash != entry.hash_after(&entry.prev_hash) {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        seq = entry.seq;
        hash = entry.hash.clone();
    }
    Ok(())
}

/// The chain's last entry (`seq` 0 and the genesis hash while the log is empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// The head row: the last sealed entry's `seq` and `hash`.
pub(crate) async fn head(db: &Db) -> Result<ChainHead, StoreError> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    Ok(ChainHead {
        seq: col(&head, "seq")?,
        hash: col(&head, "hash")?,
    })
}

/// Verifies the whole chain page by page, once every change committed before the call is sealed;
/// `Ok(n)` is the number of entries checked.
pub async fn verify(db: &Db) -> Result<Result<i64, ChainBreak>, StoreError> {
    const PAGE: i64 = 5000;
    seal(db).await?;
    let (mut seq, mut hash) = (0i64, GENESIS_HASH.to_owned());
    loop {
        let page = entries(db, None, seq, PAGE).await?;
        if let Err(broken) = check_chain(seq, &hash, &page) {
            return Ok(Err(broken));
        }
        if let Some(last) = page.last() {
            seq = last.seq;
            hash = last.hash.clone();
            continue;
        }
        // The log ends here. A sealer may have chained more since this page was read: the head
        // then records entries that a further page finds.
        let head = head(db).await?;
        if head.seq == seq && head.hash == hash {
            return Ok(Ok(seq));
        }
        if head.seq <= seq || entries(db, None, seq, 1).await?.is_empty() {
            return Ok(Err(ChainBreak::Head {
                last: seq,
                head_seq: head.seq,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_everywhere() {
        let value = json!({"b": 1, "a": {"d": [1, {"z": null, "y": "é"}], "c": true}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":true,"d":[1,{"y":"é","z":null}]},"b":1}"#
        );
    }

    fn chain(len: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=len)
            .map(|seq| {
                let data = json!({"n": seq});
                let at = "2026-11-25T12:00:00.000000Z";
                let hash = entry_hash(&prev, seq, at, "alice", "decide", Some("i"), &data);
                let entry = AuditEntry {
                    seq,
                    at: at.into(),
                    actor: "alice".into(),
                    action: "decide".into(),
                    item_id: Some("i".into()),
                    data,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn hash_matches_the_protocol_formula() {
        let data = json!({"k": 1});
        let expected_body =
            r#"{"action":"submit","actor":"p","at":"t","data":{"k":1},"item_id":null,"seq":1}"#;
        let mut hasher = Sha256::new();
        hasher.update(format!("{GENESIS_HASH}{expected_body}").as_bytes());
        assert_eq!(
            entry_hash(GENESIS_HASH, 1, "t", "p", "submit", None, &data),
            hex::encode(hasher.finalize())
        );
    }

    #[test]
    fn any_single_change_breaks_the_chain() {
        let good = chain(5);
        assert_eq!(check_chain(0, GENESIS_HASH, &good), Ok(()));
        type Tamper = fn(&mut AuditEntry);
        let tamperings: Vec<(&str, Tamper)> = vec![
            ("actor", |e| e.actor = "mallory".into()),
            ("action", |e| e.action = "approve".into()),
            ("at", |e| e.at = "2026-11-25T12:00:01.000000Z".into()),
            ("data", |e| e.data = json!({"n": 99})),
            ("item", |e| e.item_id = None),
            ("hash", |e| e.hash = GENESIS_HASH.into()),
            ("prev", |e| e.prev_hash = GENESIS_HASH.replace('0', "1")),
        ];
        for (what, tamper) in tamperings {
            let mut entries = good.clone();
            tamper(&mut entries[2]);
            let broken = check_chain(0, GENESIS_HASH, &entries).expect_err(what);
            let seq = match broken {
                ChainBreak::Altered { seq } | ChainBreak::Link { seq, .. } => seq,
                other => panic!("{what}: unexpected {other:?}"),
            };
            assert!(seq == 3 || seq == 4, "{what}: blamed entry {seq}");
        }
        let mut missing = good.clone();
        missing.remove(1);
        assert_eq!(
            check_chain(0, GENESIS_HASH, &missing),
            Err(ChainBreak::Gap {
                previous: 1,
                seq: 2
            })
        );
    }
}
