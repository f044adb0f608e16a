//! The issue 9 subcommands as an operator uses them: teams, users in teams, disable and enable,
//! expiring tokens, the callback allow-list and the demo's teams.

use super::cli::run;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn refused(args: &[&str]) -> String {
    let output = run(args);
    assert!(!output.status.success(), "{args:?} should fail");
    text(&output.stderr)
}

fn in_database<'a>(database: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--database", database]);
    all
}

fn ok_in(database: &str, args: &[&str]) -> String {
    ok(&in_database(database, args))
}

fn refused_in(database: &str, args: &[&str]) -> String {
    refused(&in_database(database, args))
}

async fn caller(database: &str, token: &str) -> Option<String> {
    let db = countersign_queue::Db::open(database).await.expect("opens");
    let found = countersign_queue::auth::authenticate(&db, token)
        .await
        .expect("reads")
        .map(|caller| caller.name);
    db.pool.close().await;
    found
}

#[test]
fn teams_users_disable_enable_and_expiry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/queue.db", dir.path().display());
    ok_in(&database, &["team", "add", "fraud"]);
    assert!(refused_in(&database, &["team", "add", "fraud"]).contains("already exists"));
    assert!(refused_in(&database, &["team", "add", "Bad Name"]).contains("team names"));

    let unknown = refused_in(
        &database,
        &[
            "user",
            "add",
            "ana",
            "--role",
            "reviewer",
            "--team",
            "astrology",
        ],
    );
    assert!(unknown.contains("astrology"), "{unknown}");
    let token = ok_in(
        &database,
        &[
            "user",
            "add",
            "ana",
            "--role",
            "reviewer",
            "--team",
            "fraud",
            "--expires-in",
            "90d",
        ],
    )
    .trim()
    .to_owned();
    assert!(token.starts_with("cs_"));
    assert!(
        refused_in(
            &database,
            &[
                "user",
                "add",
                "bo",
                "--role",
                "reviewer",
                "--expires-in",
                "soon",
            ]
        )
        .contains("not a duration")
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    assert_eq!(
        runtime.block_on(caller(&database, &token)).as_deref(),
        Some("ana")
    );
    ok_in(&database, &["user", "disable", "ana"]);
    assert_eq!(runtime.block_on(caller(&database, &token)), None);
    ok_in(&database, &["user", "enable", "ana"]);
    assert_eq!(
        runtime.block_on(caller(&database, &token)).as_deref(),
        Some("ana")
    );
    assert!(refused_in(&database, &["user", "disable", "nobody"]).contains("nobody"));

    let rotated = ok_in(
        &database,
        &["user", "rotate-token", "ana", "--expires-in", "1h"],
    )
    .trim()
    .to_owned();
    assert_eq!(
        runtime.block_on(caller(&database, &rotated)).as_deref(),
        Some("ana")
    );
    assert_eq!(runtime.block_on(caller(&database, &token)), None);

    // The only admin cannot be disabled.
    ok_in(&database, &["user", "add", "root", "--role", "admin"]);
    assert!(refused_in(&database, &["user", "disable", "root"]).contains("last enabled admin"));

    assert!(
        refused_in(
            &database,
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--callback-allow",
                "10.0.0.0/99",
            ]
        )
        .contains("--callback-allow")
    );
}

#[test]
fn seed_demo_with_teams_routes_each_kind_to_its_team() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/queue.db", dir.path().display());
    ok(&[
        "seed-demo",
        "--count",
        "30",
        "--teams",
        "--database",
        &database,
    ]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let teams_by_kind = runtime.block_on(async {
        let db = countersign_queue::Db::open(&database).await.expect("opens");
        let rows = sqlx::query(
            "SELECT DISTINCT kind, team FROM items WHERE status = 'pending' ORDER BY kind",
        )
        .fetch_all(&db.pool)
        .await
        .expect("reads");
        let pairs: Vec<(String, Option<String>)> = rows
            .iter()
            .map(|row| {
                (
                    sqlx::Row::get::<String, _>(row, "kind"),
                    sqlx::Row::get::<Option<String>, _>(row, "team"),
                )
            })
            .collect();
        db.pool.close().await;
        pairs
    });
    assert_eq!(
        teams_by_kind,
        [
            (
                "clinical_suggestion".to_owned(),
                Some("clinical".to_owned())
            ),
            // The demo policy names no team for the kinds added as data: everyone gets them.
            ("code_change".to_owned(), None),
            ("content_draft".to_owned(), Some("editorial".to_owned())),
            ("support_reply".to_owned(), None),
            ("transaction".to_owned(), Some("fraud".to_owned())),
        ]
    );
}

#[test]
fn seed_demo_history_seeds_once_and_only_with_teams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/queue.db", dir.path().display());
    let seed = ["seed-demo", "--count", "3", "--teams", "--history"];
    let first = run(&in_database(&database, &seed));
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains("seeded the demo history: "),
        "{}",
        text(&first.stderr)
    );
    let again = run(&in_database(&database, &seed));
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("the demo history is already there"),
        "{}",
        text(&again.stderr)
    );
    // The history is the teams' past: without the demo policy's teams it has no meaning.
    assert!(refused_in(&database, &["seed-demo", "--history"]).contains("--teams"));
}
