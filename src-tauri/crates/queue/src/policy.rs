//! Routing policy: which items are auto-approved, reviewed or escalated, and lease settings.
//! The format is documented in `default-policy.toml`, which is also the built-in policy.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use countersign_domain::{NewItem, Risk, Route};
use serde::Deserialize;

pub const DEFAULT_POLICY_TOML: &str = include_str!("../default-policy.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: u64,
    #[serde(default = "default_prefetch")]
    pub prefetch: u32,
    #[serde(default = "default_sweep_interval_seconds")]
    pub sweep_interval_seconds: u64,
    #[serde(default = "default_active_window_seconds")]
    pub active_window_seconds: u64,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

fn default_lease_seconds() -> u64 {
    8 * 3600
}
fn default_prefetch() -> u32 {
    50
}
fn default_sweep_interval_seconds() -> u64 {
    15
}
fn default_active_window_seconds() -> u64 {
    900
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default)]
    pub kinds: Option<Vec<String>>,
    #[serde(default)]
    pub risk: Option<Vec<Risk>>,
    #[serde(default)]
    pub confidence_below: Option<f64>,
    #[serde(default)]
    pub confidence_at_least: Option<f64>,
    pub route: Route,
    #[serde(default = "one")]
    pub approvals_required: i64,
}

fn one() -> i64 {
    1
}

/// The routing of one item and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub route: Route,
    pub rule: String,
    pub approvals_required: i64,
}

/// Name recorded when no rule matches.
const FALLBACK_RULE: &str = "fallback-review";

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("policy file {path} is not valid TOML for a policy: {source}")]
    Parse {
        path: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("policy {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Policy {
    pub fn builtin() -> Policy {
        Self::parse(DEFAULT_POLICY_TOML, "built-in policy")
            .expect("the built-in policy is valid: a unit test parses it")
    }

    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|source| PolicyError::Parse {
            path: origin.to_owned(),
            source: Box::new(source),
        })?;
        policy.check().map_err(|message| PolicyError::Invalid {
            path: origin.to_owned(),
            message,
        })?;
        Ok(policy)
    }

    fn check(&self) -> Result<(), String> {
        if self.lease_seconds == 0 {
            return Err("lease_seconds must be at least 1".into());
        }
        if self.prefetch == 0 {
            return Err("prefetch must be at least 1".into());
        }
        if self.sweep_interval_seconds == 0 {
            return Err("sweep_interval_seconds must be at least 1".into());
        }
        let mut names = HashSet::new();
        for rule in &self.rules {
            if rule.name.trim().is_empty() {
                return Err("every rule needs a name".into());
            }
            if !names.insert(rule.name.as_str()) {
                return Err(format!("rule name {:?} is used twice", rule.name));
            }
            for threshold in [rule.confidence_below, rule.confidence_at_least]
                .into_iter()
                .flatten()
            {
                if !(0.0..=1.0).contains(&threshold) {
                    return Err(format!(
                        "rule {:?}: confidence thresholds must be between 0 and 1",
                        rule.name
                    ));
                }
            }
            if !(1..=2).contains(&rule.approvals_required) {
                return Err(format!(
                    "rule {:?}: approvals_required must be 1 or 2",
                    rule.name
                ));
            }
            if rule.route == Route::AutoApproved && rule.approvals_required != 1 {
                return Err(format!(
                    "rule {:?}: an auto_approved route takes no approvals",
                    rule.name
                ));
            }
        }
        Ok(())
    }

    pub fn lease_duration(&self) -> Duration {
        Duration::from_secs(self.lease_seconds)
    }

    /// The first matching rule decides; with none, the item goes to review.
    pub fn route(&self, item: &NewItem) -> Routing {
        self.rules
            .iter()
            .find(|rule| rule.matches(item))
            .map(|rule| Routing {
                route: rule.route,
                rule: rule.name.clone(),
                approvals_required: rule.approvals_required,
            })
            .unwrap_or_else(|| Routing {
                route: Route::Review,
                rule: FALLBACK_RULE.to_owned(),
                approvals_required: 1,
            })
    }
}

impl Rule {
    fn matches(&self, item: &NewItem) -> bool {
        let confidence = item.ai.confidence;
        self.kinds
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&item.kind))
            && self
                .risk
                .as_ref()
                .is_none_or(|risks| risks.contains(&item.ai.risk))
            && self.confidence_below.is_none_or(|limit| confidence < limit)
            && self
                .confidence_at_least
                .is_none_or(|limit| confidence >= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(kind: &str, confidence: f64, risk: &str) -> NewItem {
        serde_json::from_value(json!({
            "external_id": "x", "kind": kind, "title": "t",
            "ai": {"output": "o", "confidence": confidence, "risk": risk}
        }))
        .expect("valid item")
    }

    #[test]
    fn default_policy_routes_as_protocol_says() {
        let policy = Policy::builtin();
        assert_eq!(policy.lease_seconds, 8 * 3600);
        assert_eq!(policy.prefetch, 50);
        let cases = [
            (0.95, "low", Route::AutoApproved, 1),
            (0.99, "low", Route::AutoApproved, 1),
            (0.94, "low", Route::Review, 1),
            (0.96, "medium", Route::Review, 1),
            (0.5, "medium", Route::Review, 1),
            (0.49, "low", Route::Escalation, 1),
            (0.99, "high", Route::Escalation, 1),
            (0.99, "critical", Route::Escalation, 2),
            (0.2, "critical", Route::Escalation, 2),
        ];
        for kind in [
            "transaction",
            "content_draft",
            "clinical_suggestion",
            "other",
        ] {
            for (confidence, risk, route, approvals) in cases {
                let routing = policy.route(&item(kind, confidence, risk));
                assert_eq!(
                    (routing.route, routing.approvals_required),
                    (route, approvals),
                    "{kind} {confidence} {risk}"
                );
            }
        }
    }

    #[test]
    fn kind_specific_rules_and_fallback() {
        let policy = Policy::parse(
            r#"
            [[rules]]
            name = "drafts-always-reviewed"
            kinds = ["content_draft"]
            route = "review"
            "#,
            "test",
        )
        .expect("valid policy");
        assert_eq!(
            policy.route(&item("content_draft", 0.99, "low")).rule,
            "drafts-always-reviewed"
        );
        assert_eq!(
            policy.route(&item("transaction", 0.99, "low")).rule,
            FALLBACK_RULE
        );
    }

    #[test]
    fn invalid_policies_are_explained() {
        for (text, fragment) in [
            ("lease_seconds = 0", "lease_seconds"),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\napprovals_required = 3",
                "approvals_required",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\n[[rules]]\nname = \"a\"\nroute = \"review\"",
                "twice",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"sideways\"",
                "not valid TOML",
            ),
            ("surprise = 1", "not valid TOML"),
        ] {
            let error = Policy::parse(text, "p.toml").expect_err(text).to_string();
            assert!(error.contains(fragment), "{error}");
        }
    }
}
