//! PostgreSQL databases for tests: one fresh database per test, named `cs_test_<uuid>` (the queue
//! service creates a missing database on first use). `scripts/postgres.sh` drops what earlier runs
//! left behind, by that prefix.

/// The PostgreSQL server tests use; `scripts/postgres.sh` starts one and prints its URL.
pub const POSTGRES_ENV: &str = "COUNTERSIGN_TEST_POSTGRES_URL";

/// The prefix of every test database's name (`scripts/postgres.sh` cleans up by it).
pub const DATABASE_PREFIX: &str = "cs_test_";

/// The server's base URL. PostgreSQL tests never skip: without it they fail, saying how to start one.
pub fn server_url() -> String {
    let base = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_ENV} is not set. PostgreSQL tests never skip: run scripts/test.sh, \
             or export {POSTGRES_ENV}=$(scripts/postgres.sh)"
        )
    });
    base.trim_end_matches('/').to_owned()
}

/// The URL of a database no other test uses.
pub fn fresh_database_url() -> String {
    format!(
        "{}/{DATABASE_PREFIX}{}",
        server_url(),
        uuid::Uuid::now_v7().simple()
    )
}

/// Drops a test database made by [`fresh_database_url`], cutting any connection still open to it
/// (a queue service that outlived its test). Best effort: what is left, `scripts/postgres.sh` drops
/// at its next run. Blocking, on a thread of its own, so it can run in `Drop` inside a runtime.
pub fn drop_database(url: &str) {
    let Some(name) = url
        .rsplit('/')
        .next()
        .filter(|name| name.starts_with(DATABASE_PREFIX))
        .map(str::to_owned)
    else {
        return;
    };
    let admin = format!("{}/postgres", server_url());
    // A failure leaves the database to scripts/postgres.sh; the test's outcome does not depend on it.
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        runtime.block_on(async {
            use sqlx::Connection as _;
            let mut connection = sqlx::PgConnection::connect(&admin).await.ok()?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut connection)
                .await
                .ok()
        })
    })
    .join();
}
