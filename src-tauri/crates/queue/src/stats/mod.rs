//! The oversight reports behind `GET /v1/stats/...` (docs/protocol.md, "Statistics").

/// Reviewer fatigue from behaviour (`GET /v1/stats/fatigue`, and the policy's high-risk hold).
pub mod fatigue;
