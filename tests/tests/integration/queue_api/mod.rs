//! The queue service over HTTP, on SQLite and on PostgreSQL: submission, routing, sync,
//! fencing, four-eyes, roles, audit, kinds as data.

mod access;
mod audit_sealing;
mod corrections;
mod kinds;
mod routing;
mod submission;
mod sync;
