//! Issue 11, oversight that watches the overseers: audited auto-approvals, thresholds, shadow rules.

mod audit_sample;
