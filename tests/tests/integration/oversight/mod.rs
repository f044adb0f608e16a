//! Issue 11, oversight that watches the overseers: analytics, audited auto-approvals, thresholds,
//! shadow rules.

mod analytics;
mod audit_sample;
mod blind;
mod demo_history;
mod fatigue;
mod gold;
