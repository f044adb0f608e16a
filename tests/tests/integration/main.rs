//! The end-to-end tests as one test binary (one link, one process): the queue service over HTTP on
//! both back ends, its webhooks, events and exports, the model-based test of the desktop core against
//! it, and the desktop app end to end (ignored outside scripts/desktop-e2e.sh). One part runs by its
//! module path, e.g. `cargo test -p countersign-tests --test integration queue_api`.

mod desktop_e2e;
mod model_sync;
mod oversight;
mod queue_api;
mod queue_delivery;
mod signatures;
mod teams;
