//! The oversight reports served as `GET /v1/stats/<name>` (docs/protocol.md, "Statistics"), one
//! module each.

pub mod thresholds;
