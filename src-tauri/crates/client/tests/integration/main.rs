//! The desktop core's integration tests as one test binary: the store through its public API, and
//! `countersign-cli` against the real queue service (a child process behind the test-kit's fault
//! proxy): sync end to end, faults, kills, a hostile server, token hygiene, the session bus; and the
//! sync engine against the queue in this process on a manual clock (lease renewal of opened items, paged
//! pulls, the undo window, ending a shift, synced kinds, due-soon warnings); the admin view's calls. One part runs by its module path, e.g. `cargo test -p countersign-client --test integration faults`.

mod support;

mod admin_calls;
mod bulk;
mod comments;
mod due_warnings;
mod fatigue;
mod faults;
mod hostile_server;
mod kill_watch;
mod mentions;
mod no_token_leak;
mod opened_leases;
mod paged_pull;
mod related_online;
mod search;
mod session_bus;
mod shift_end;
mod store;
mod sync_e2e;
mod synced_kinds;
mod undo_window;
mod views;
