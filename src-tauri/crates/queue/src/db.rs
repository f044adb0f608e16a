//! One storage interface over two back ends. The SQL is shared (sqlx's `Any` driver, `$n`
//! placeholders, times as integer microseconds, JSON as text); what differs between SQLite and
//! PostgreSQL — how a write transaction starts, row locking, claiming — is in [`Backend`].

use std::future::Future;
use std::sync::Once;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row, Transaction};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StoreError;

static INSTALL_DRIVERS: Once = Once::new();

/// Which database the queue runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Suffix that locks the rows a SELECT reads until the transaction ends. SQLite needs none:
    /// a write transaction there already holds the database's single write lock.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Suffix that keeps the rows a SELECT reads from changing until the transaction ends, while
    /// letting other readers share them (a registered kind during a submission or a push).
    pub fn for_share(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR SHARE",
        }
    }

    /// The text at `path` (object keys) inside the JSON text of `column`, the path bound as the
    /// parameter `param` written by [`Backend::json_path`]; NULL where there is none.
    pub fn json_text(self, column: &str, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("CAST(json_extract({column}, {param}) AS TEXT)"),
            Backend::Postgres => format!("(CAST({column} AS jsonb) #>> CAST({param} AS text[]))"),
        }
    }

    /// `keys` as the path [`Backend::json_text`] binds. Only keys of letters, digits, `_` and `-`,
    /// which neither back end's path syntax reads as anything else; `None` for any other.
    pub fn json_path(self, keys: &[&str]) -> Option<String> {
        let plain = |key: &&str| {
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if keys.is_empty() || !keys.iter().all(plain) {
            return None;
        }
        Some(match self {
            Backend::Sqlite => format!("$.\"{}\"", keys.join("\".\"")),
            Backend::Postgres => format!("{{{}}}", keys.join(",")),
        })
    }

    /// `FROM {table} AS {alias}` narrowed to the rows whose `key` is one of the `count` values
    /// bound from `$1`; only ORDER BY may follow, and gives the order. On PostgreSQL each value is
    /// looked up on its own (a lateral join, its rows in `order`), so `key`'s index is used even
    /// before the table has statistics: with `key IN (…)` the planner chose a sequential scan of a
    /// fresh, fast-growing `decisions` table, 46–58 ms a statement under load (README, "Benchmarks").
    pub fn rows_keyed_by(
        self,
        table: &str,
        alias: &str,
        key: &str,
        count: usize,
        order: &str,
    ) -> String {
        match self {
            Backend::Sqlite => format!(
                "FROM {table} AS {alias} WHERE {alias}.{key} IN ({})",
                placeholders(1, count)
            ),
            // The ORDER BY keeps the subquery from being flattened into a plain join.
            Backend::Postgres => format!(
                "FROM (VALUES {}) AS wanted (value) CROSS JOIN LATERAL \
                 (SELECT * FROM {table} WHERE {table}.{key} = wanted.value ORDER BY {order}) AS {alias}",
                self.values_rows(count, 1)
            ),
        }
    }

    /// Placeholders for a multi-row VALUES list of `rows` rows of `columns` parameters each: one
    /// statement instead of one per row. Only for a statement whose every parameter is in this
    /// list, bound in order. PostgreSQL numbers them (`($1, $2), ($3, $4)`); SQLite gets anonymous
    /// `?`, bound by position, because its driver looks each numbered parameter up by walking the
    /// statement's list of them, which costs the square of their number: 6–15% of the server's
    /// part of a cold pull of 10,000 (README.md, "Benchmarks").
    pub(crate) fn values_rows(self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|row| {
                let cells: Vec<String> = (1..=columns)
                    .map(|column| match self {
                        Backend::Sqlite => "?".to_owned(),
                        Backend::Postgres => format!("${}", row * columns + column),
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Suffix for claiming: concurrent claimers skip each other's rows instead of waiting.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// The queue's database: a pool plus the back end it talks to.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The URL without credentials, for messages.
    pub display_url: String,
}

pub(crate) type Tx = Transaction<'static, sqlx::Any>;

impl Db {
    /// Connects, creating the SQLite file or the PostgreSQL database when missing, and applies
    /// pending migrations.
    pub async fn open(url: &str) -> Result<Db, StoreError> {
        INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
        let (backend, url) = normalise_url(url)?;
        let display_url = redact(&url);
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => postgres_pool_size(),
            });
        let options = match backend {
            Backend::Sqlite => {
                if let Some(parent) = sqlite_path(&url).and_then(|path| path.parent()) {
                    std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
                options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        // WAL lets readers run beside the single writer; FULL makes every commit
                        // durable; the busy timeout queues writers instead of failing them.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                        Ok(())
                    })
                })
            }
            Backend::Postgres => {
                use sqlx::migrate::MigrateDatabase;
                if !sqlx::Any::database_exists(&url).await.unwrap_or(true) {
                    sqlx::Any::create_database(&url)
                        .await
                        .map_err(|source| StoreError::connect(&display_url, source))?;
                }
                options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        // The claim's estimated cost (its subqueries over users and teams) passes
                        // the JIT threshold, so PostgreSQL compiled it on every pull: ~80 ms of
                        // CPU for a query that runs in ~5 ms (EXPLAIN ANALYZE, README
                        // "Benchmarks"). Short queries gain nothing from JIT.
                        conn.execute("SET jit = off").await?;
                        Ok(())
                    })
                })
            }
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| StoreError::connect(&display_url, source))?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&pool).await?;
        Ok(Db {
            pool,
            backend,
            display_url,
        })
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a read-then-write transaction cannot fail to upgrade later.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Runs `work` in a write transaction and commits it, starting over when PostgreSQL
    /// reports a deadlock or serialisation failure (the transaction then changed nothing).
    pub async fn write<T, F, Fut>(&self, mut work: F) -> Result<T, StoreError>
    where
        F: FnMut(Tx) -> Fut,
        Fut: Future<Output = Result<(T, Tx), StoreError>>,
    {
        let mut attempt = 0u32;
        loop {
            let tx = self.begin_write().await?;
            match work(tx).await {
                Ok((value, tx)) => match tx.commit().await {
                    Ok(()) => return Ok(value),
                    Err(error) if is_retryable(&error) && attempt < 8 => {}
                    Err(error) => return Err(error.into()),
                },
                Err(StoreError::Sql(error)) if is_retryable(&error) && attempt < 8 => {}
                Err(error) => return Err(error),
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(2u64 << attempt.min(6))).await;
        }
    }
}

/// Connections per PostgreSQL pool: a few per core. More only queue up inside the database
/// server and cost context switches: on 2 cores, 12 connections gave 2,584 decisions/s where 24
/// gave 1,995 in the same benchmark.
fn postgres_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    u32::try_from(cores * 6).unwrap_or(u32::MAX).clamp(8, 64)
}

fn is_retryable(error: &sqlx::Error) -> bool {
    match error {
        // 40001 serialization_failure, 40P01 deadlock_detected.
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40001" | "40P01")),
        _ => false,
    }
}

/// `sqlite://PATH` (everything after the scheme is the file path) or `postgres://…`.
fn normalise_url(url: &str) -> Result<(Backend, String), StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(StoreError::BadUrl(url.to_owned()));
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        let mode = if path.contains("mode=") {
            String::new()
        } else {
            format!("{separator}mode=rwc")
        };
        Ok((Backend::Sqlite, format!("sqlite://{path}{mode}")))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_owned()))
    } else {
        Err(StoreError::BadUrl(url.to_owned()))
    }
}

/// The file of a normalised `sqlite://PATH?…` URL.
fn sqlite_path(url: &str) -> Option<&std::path::Path> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| std::path::Path::new(path))
}

/// Hides a password in `scheme://user:password@host/…`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The wire spelling of an enum value ("auto_approved", "second_approval", …).
pub(crate) fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

pub(crate) fn parse_wire<T: DeserializeOwned>(name: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| StoreError::corrupt(format!("unknown stored value {name:?}")))
}

/// `$1, $2, …` for an IN list starting at `$first`.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row statement: well under both back ends' parameter limits, and few parameters
/// per statement, since SQLite finds each numbered parameter by a linear scan (binding costs the
/// square of their number). A cold sync's server time for 10,000 grants fell from ~1.9 s to ~1.2 s
/// going from 200 rows to 50 (README.md, "Benchmarks"); a normal pull (prefetch 50) needs one.
pub(crate) const ROWS_PER_STATEMENT: usize = 50;

/// Times are stored as microseconds since the epoch: exact, sortable, the same on both back ends.
pub(crate) fn to_micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub(crate) fn from_micros(micros: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(micros)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Reads a column, naming it in the error.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name).map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_domain::{Outcome, Route, Stage};

    #[test]
    fn wire_names_round_trip() {
        assert_eq!(wire_name(&Stage::SecondApproval), "second_approval");
        assert_eq!(
            wire_name(&Outcome::ApprovedWithEdits),
            "approved_with_edits"
        );
        assert_eq!(
            parse_wire::<Route>("auto_approved").expect("known"),
            Route::AutoApproved
        );
        assert!(parse_wire::<Route>("sideways").is_err());
    }

    #[test]
    fn placeholders_count_from_the_first() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }

    #[test]
    fn sqlite_urls_are_file_paths() {
        let cases = [
            (
                "sqlite://countersign-queue.db",
                "sqlite://countersign-queue.db?mode=rwc",
            ),
            ("sqlite:///abs/path.db", "sqlite:///abs/path.db?mode=rwc"),
            ("sqlite://x.db?mode=ro", "sqlite://x.db?mode=ro"),
        ];
        for (given, expected) in cases {
            let (backend, url) = normalise_url(given).expect("valid url");
            assert_eq!(backend, Backend::Sqlite);
            assert_eq!(url, expected);
        }
        assert!(normalise_url("mysql://x").is_err());
        assert!(normalise_url("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://cs:secret@localhost:5432/db"),
            "postgres://cs:***@localhost:5432/db"
        );
        assert_eq!(redact("postgres://localhost/db"), "postgres://localhost/db");
    }

    #[test]
    fn values_rows_number_every_cell_on_postgres_and_none_on_sqlite() {
        assert_eq!(
            Backend::Postgres.values_rows(2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(Backend::Postgres.values_rows(1, 1), "($1)");
        assert_eq!(Backend::Sqlite.values_rows(2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn micros_round_trip() {
        let now = DateTime::from_timestamp(1_764_000_000, 123_456_789).expect("a valid instant");
        assert_eq!(to_micros(from_micros(to_micros(now))), to_micros(now));
    }
}
