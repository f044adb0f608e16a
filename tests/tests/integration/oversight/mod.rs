//! Issue 11 on SQLite and PostgreSQL: oversight that watches the overseers.

mod fatigue;
