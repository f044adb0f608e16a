//! The queue service over HTTP, on SQLite and on PostgreSQL: submission, routing, sync,
//! fencing, four-eyes, roles, audit.

mod access;
mod routing;
mod submission;
mod sync;
