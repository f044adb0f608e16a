//! The oversight reports (`GET /v1/stats/...`, docs/protocol.md "Statistics"): each report's
//! queries in its own module.

pub mod blind;
