//! The SQLite and PostgreSQL migrations are one schema written twice: they must differ only where the
//! dialects do. Each known difference is rewritten to a neutral token below; everything else (tables,
//! columns, constraints, indexes, comments) must match line for line, in the same set of files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One construct the two dialects spell differently.
struct Difference {
    sqlite: &'static str,
    postgres: &'static str,
    neutral: &'static str,
}

/// Every known dialect difference; a new one is one more row.
const DIFFERENCES: &[Difference] = &[Difference {
    sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT",
    postgres: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    neutral: "<auto-increment primary key>",
}];

#[derive(Clone, Copy)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn dir(self) -> PathBuf {
        let name = match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(name)
    }

    fn spelling(self, difference: &Difference) -> &'static str {
        match self {
            Dialect::Sqlite => difference.sqlite,
            Dialect::Postgres => difference.postgres,
        }
    }

    fn files(self) -> BTreeSet<String> {
        let dir = self.dir();
        std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("read {}: {error}", dir.display()))
            .map(|entry| {
                entry
                    .expect("directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".sql"))
            .collect()
    }

    /// The file's lines with this dialect's spellings replaced by the neutral tokens.
    fn normalised(self, name: &str) -> Vec<String> {
        let path = self.dir().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
        text.lines()
            .map(|line| {
                DIFFERENCES
                    .iter()
                    .fold(line.to_owned(), |line, difference| {
                        line.replace(self.spelling(difference), difference.neutral)
                    })
            })
            .collect()
    }
}

#[test]
fn both_dialects_have_the_same_migration_files() {
    let sqlite = Dialect::Sqlite.files();
    assert!(!sqlite.is_empty(), "no SQLite migrations found");
    assert_eq!(
        sqlite,
        Dialect::Postgres.files(),
        "migrations/sqlite and migrations/postgres must hold the same files"
    );
}

#[test]
fn migrations_differ_only_in_dialect() {
    let postgres_files = Dialect::Postgres.files();
    // A file missing on one side is both_dialects_have_the_same_migration_files' failure.
    for name in Dialect::Sqlite.files().intersection(&postgres_files) {
        let sqlite = Dialect::Sqlite.normalised(name);
        let postgres = Dialect::Postgres.normalised(name);
        for (number, (left, right)) in sqlite.iter().zip(&postgres).enumerate() {
            assert_eq!(
                left,
                right,
                "{name}, line {}: the dialects differ beyond the known differences (if this is one, \
                 add it to DIFFERENCES)",
                number + 1
            );
        }
        assert_eq!(
            sqlite.len(),
            postgres.len(),
            "{name}: the SQLite and PostgreSQL versions have different line counts"
        );
    }
}
