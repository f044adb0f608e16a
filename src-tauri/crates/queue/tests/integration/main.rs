//! The queue service's integration tests as one test binary: the `countersign-queue` binary as an
//! operator uses it, and the SQLite and PostgreSQL migrations kept to one schema.

mod cli;
mod cli_audit_bundle;
mod cli_teams;
mod migrations;
