//! Issue 11, oversight that watches the overseers, on SQLite and PostgreSQL.

mod blind;
