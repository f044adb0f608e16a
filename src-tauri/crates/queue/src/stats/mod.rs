//! The oversight reports of `GET /v1/stats/...` (docs/protocol.md, "Statistics").

pub mod gold;
