//! Routing policy: which items are auto-approved, reviewed or escalated, and lease settings.
//! The format is documented in `default-policy.toml`, which is also the built-in policy.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use countersign_domain::fatigue::FatigueVerdict;
use countersign_domain::{NewItem, Risk, Route, SignatureMeaning, SignatureRequirement};
use serde::Deserialize;

pub const DEFAULT_POLICY_TOML: &str = include_str!("../default-policy.toml");
pub const DEMO_POLICY_TOML: &str = include_str!("../demo-policy.toml");

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
    /// A released item is not granted back to its releaser for this long while someone else
    /// eligible is active.
    #[serde(default = "default_release_cooldown")]
    pub release_cooldown: Span,
    /// How many times a pull renews a lease whose item its client has not reported opened.
    #[serde(default = "default_max_unopened_renewals")]
    pub max_unopened_renewals: u32,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// The key of the audit draw (`crate::audit_sample::drawn`): the same seed audits the same items.
    #[serde(default = "default_audit_seed")]
    pub audit_seed: u64,
    /// The error rate of auto-approvals the threshold report aims below, unless a rule sets its own.
    #[serde(default = "default_target_error")]
    pub target_error: f64,
    /// Settings per team, `[teams.NAME]` (docs/protocol.md, "Gold items"): the gold rate and the
    /// minimum gold accuracy.
    #[serde(default)]
    pub teams: std::collections::BTreeMap<String, TeamPolicy>,
    /// A reviewer whose fatigue verdict is at or past this (`"tiring"` or `"fatigued"`) is not
    /// granted high- or critical-risk items until it drops, after a break (docs/protocol.md,
    /// "Reviewer fatigue"); absent: no hold.
    #[serde(default)]
    pub fatigue_hold_high_risk: Option<FatigueVerdict>,
}

/// A team's `[teams.NAME]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamPolicy {
    /// About this fraction of the real work granted to each member is followed by a gold item.
    #[serde(default)]
    pub gold_rate: Option<f64>,
    /// Below this gold accuracy (the Wilson interval's upper bound below it), the team's seniors
    /// are told and high-risk items of that kind skip the reviewer until they recover.
    #[serde(default)]
    pub min_gold_accuracy: Option<f64>,
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
fn default_release_cooldown() -> Span {
    Span(chrono::Duration::minutes(30))
}
fn default_max_unopened_renewals() -> u32 {
    3
}
fn default_audit_seed() -> u64 {
    11
}
fn default_target_error() -> f64 {
    0.02
}

/// Whether a rule routes (`live`) or only records what it would have routed (`shadow`;
/// docs/protocol.md, "Shadow rules").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleMode {
    #[default]
    Live,
    Shadow,
}

/// What happens when a pending item's `due_at` passes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OnBreach {
    /// Moved to the escalation stage (seniors of the item's team).
    Escalate,
    /// Decided `rejected` with `reason_code = "timeout"` by `system:timeout`.
    TimeoutReject,
}

impl OnBreach {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
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
    /// Only this team's members are offered the items; its seniors their escalations.
    #[serde(default)]
    pub team: Option<String>,
    /// `due_at` = submission time + this, when the producer gives none.
    #[serde(default)]
    pub due_in: Option<Span>,
    /// The holder is warned this long before `due_at` (`Item.warn_at`).
    #[serde(default)]
    pub warn_before: Option<Span>,
    #[serde(default)]
    pub on_breach: Option<OnBreach>,
    /// Approvals must carry an electronic signature with this meaning (docs/protocol.md, "Signatures").
    #[serde(default)]
    pub signature: Option<SignatureMeaning>,
    /// Only this team's members may sign; needs `signature`.
    #[serde(default)]
    pub signers_team: Option<String>,
    /// The fraction of this auto-approving rule's items also sent to a person in the `audit` stage.
    #[serde(default)]
    pub audit_sample: Option<f64>,
    /// `shadow`: the rule never routes; the queue records what it would have routed.
    #[serde(default)]
    pub mode: RuleMode,
    /// The threshold report's `target_error` for the kinds this auto-approving rule names.
    #[serde(default)]
    pub target_error: Option<f64>,
    /// The reviewer records their own verdict before the AI's proposal is shown (`Item.blind`,
    /// docs/protocol.md "Blind first read").
    #[serde(default)]
    pub blind: bool,
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
    pub team: Option<String>,
    pub due_in: Option<chrono::Duration>,
    pub warn_before: Option<chrono::Duration>,
    pub on_breach: Option<OnBreach>,
    pub signature: Option<SignatureRequirement>,
    /// The rule's `audit_sample`, for an auto-approval.
    pub audit_sample: Option<f64>,
    /// The rule's `blind`: reviewers give their own verdict first.
    pub blind: bool,
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
    #[error(
        "policy rule {rule:?} names team {team:?}, which does not exist; create it with `countersign-queue team add {team}`"
    )]
    UnknownTeam { rule: String, team: String },
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

/// A length of time written `45s`, `30m`, `4h` or `90d` (policy keys, `--expires-in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Span(pub chrono::Duration);

impl std::str::FromStr for Span {
    type Err = String;

    fn from_str(text: &str) -> Result<Span, String> {
        let bad = || {
            format!(
                "{text:?} is not a duration: write a whole number and s, m, h or d (\"30m\", \"4h\", \"90d\")"
            )
        };
        let text = text.trim();
        let unit = text.chars().last().ok_or_else(bad)?;
        let number: i64 = text[..text.len() - unit.len_utf8()]
            .parse()
            .map_err(|_| bad())?;
        let seconds = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        if number <= 0 || number > 100 * 365 * 86_400 / seconds {
            return Err(bad());
        }
        Ok(Span(chrono::Duration::seconds(number * seconds)))
    }
}

impl TryFrom<String> for Span {
    type Error = String;

    fn try_from(text: String) -> Result<Span, String> {
        text.parse()
    }
}

impl Policy {
    pub fn builtin() -> Policy {
        Self::parse(DEFAULT_POLICY_TOML, "built-in policy")
            .expect("the built-in policy is valid: a unit test parses it")
    }

    /// The demo's policy: the built-in rules, with each demo kind routed to its team
    /// (`crate::demo_teams` creates the teams it names).
    pub fn demo() -> Policy {
        Self::parse(DEMO_POLICY_TOML, "demo policy")
            .expect("the demo policy is valid: a unit test parses it")
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
        if self.fatigue_hold_high_risk == Some(FatigueVerdict::Fresh) {
            return Err(
                "fatigue_hold_high_risk = \"fresh\" would hold high-risk work from everyone: write \"tiring\" or \"fatigued\"".into(),
            );
        }
        if self.lease_seconds == 0 {
            return Err("lease_seconds must be at least 1".into());
        }
        if self.prefetch == 0 {
            return Err("prefetch must be at least 1".into());
        }
        if self.sweep_interval_seconds == 0 {
            return Err("sweep_interval_seconds must be at least 1".into());
        }
        if !valid_target_error(self.target_error) {
            return Err(TARGET_ERROR_RULE.into());
        }
        for (team, settings) in &self.teams {
            if !crate::teams::valid_name(team) {
                return Err(format!("[teams.{team}]: {}", crate::teams::NAME_RULE));
            }
            for (key, value) in [
                ("gold_rate", settings.gold_rate),
                ("min_gold_accuracy", settings.min_gold_accuracy),
            ] {
                if value.is_some_and(|value| !(0.0..=1.0).contains(&value)) {
                    return Err(format!(
                        "[teams.{team}]: {key} must be between 0 and 1, got {}",
                        value.unwrap_or_default()
                    ));
                }
            }
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
            if rule.route == Route::AutoApproved
                && ((rule.team.is_some() && rule.audit_sample.is_none())
                    || rule.due_in.is_some()
                    || rule.on_breach.is_some())
            {
                return Err(format!(
                    "rule {:?}: an auto_approved route takes no team, due_in or on_breach (a team only with audit_sample: the team that audits)",
                    rule.name
                ));
            }
            check_oversight(rule)?;
            if rule
                .team
                .as_deref()
                .is_some_and(|team| !crate::teams::valid_name(team))
            {
                return Err(format!("rule {:?}: {}", rule.name, crate::teams::NAME_RULE));
            }
            if rule.route == Route::AutoApproved && rule.signature.is_some() {
                return Err(format!(
                    "rule {:?}: an auto_approved route takes no signature: nobody decides it",
                    rule.name
                ));
            }
            if rule.signers_team.is_some() && rule.signature.is_none() {
                return Err(format!(
                    "rule {:?}: signers_team needs signature = \"approval\" (or \"review\", \"responsibility\")",
                    rule.name
                ));
            }
            if rule
                .signers_team
                .as_deref()
                .is_some_and(|team| !crate::teams::valid_name(team))
            {
                return Err(format!("rule {:?}: {}", rule.name, crate::teams::NAME_RULE));
            }
            if rule.route == Route::AutoApproved && rule.blind {
                return Err(format!(
                    "rule {:?}: an auto_approved route takes no blind: nobody reads it",
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

    /// The first matching live rule decides; with none, the item goes to review.
    pub fn route(&self, item: &NewItem) -> Routing {
        self.rules
            .iter()
            .find(|rule| rule.mode == RuleMode::Live && rule.matches(item))
            .map(|rule| Routing {
                route: rule.route,
                rule: rule.name.clone(),
                approvals_required: rule.approvals_required,
                team: rule.team.clone(),
                due_in: rule.due_in.map(|span| span.0),
                warn_before: rule.warn_before.map(|span| span.0),
                on_breach: rule.on_breach,
                signature: rule.signature.map(|meaning| SignatureRequirement {
                    meaning,
                    signers_team: rule.signers_team.clone(),
                }),
                audit_sample: rule.audit_sample,
                blind: rule.blind,
            })
            .unwrap_or_else(|| Routing {
                route: Route::Review,
                rule: FALLBACK_RULE.to_owned(),
                approvals_required: 1,
                team: None,
                due_in: None,
                warn_before: None,
                on_breach: None,
                signature: None,
                audit_sample: None,
                blind: false,
            })
    }

    /// Each shadow rule that would have decided `item` had it been live (it matches, and no live
    /// rule before it does), with the route it would have given.
    pub fn shadow_routes(&self, item: &NewItem) -> Vec<(&str, Route)> {
        let mut found = Vec::new();
        for rule in self.rules.iter().filter(|rule| rule.matches(item)) {
            match rule.mode {
                RuleMode::Live => break,
                RuleMode::Shadow => found.push((rule.name.as_str(), rule.route)),
            }
        }
        found
    }

    /// The threshold report's target for `kind`: the `target_error` of the first live
    /// auto-approving rule naming the kind (or every kind) that sets one, else the policy's.
    pub fn target_error_for(&self, kind: &str) -> f64 {
        self.rules
            .iter()
            .filter(|rule| rule.mode == RuleMode::Live && rule.route == Route::AutoApproved)
            .filter(|rule| {
                rule.kinds
                    .as_ref()
                    .is_none_or(|kinds| kinds.iter().any(|k| k == kind))
            })
            .find_map(|rule| rule.target_error)
            .unwrap_or(self.target_error)
    }

    /// The `[teams.NAME]` settings of `team`, when the policy has them.
    pub fn team(&self, team: &str) -> Option<&TeamPolicy> {
        self.teams.get(team)
    }

    /// Each team a rule names, with the first rule naming it.
    pub fn named_teams(&self) -> Vec<(&str, &str)> {
        let mut seen = HashSet::new();
        self.rules
            .iter()
            .flat_map(|rule| {
                [rule.team.as_deref(), rule.signers_team.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(|team| (team, rule.name.as_str()))
            })
            .filter(|(team, _)| seen.insert(*team))
            .collect()
    }

    /// Refuses a policy whose rules name a team the database does not have, naming the rule.
    pub async fn check_teams(&self, db: &crate::Db) -> Result<(), PolicyError> {
        let known = crate::teams::names(db).await?;
        for (team, rule) in self.named_teams() {
            if !known.iter().any(|name| name == team) {
                return Err(PolicyError::UnknownTeam {
                    rule: rule.to_owned(),
                    team: team.to_owned(),
                });
            }
        }
        Ok(())
    }
}

const TARGET_ERROR_RULE: &str =
    "target_error must be above 0 and below 1 (0.02: at most one wrong auto-approval in fifty)";

fn valid_target_error(target: f64) -> bool {
    target > 0.0 && target < 1.0
}

/// The oversight keys of one rule: `audit_sample` on a live auto-approval only and within [0, 1],
/// `target_error` within (0, 1).
fn check_oversight(rule: &Rule) -> Result<(), String> {
    if let Some(sample) = rule.audit_sample {
        if !(0.0..=1.0).contains(&sample) {
            return Err(format!(
                "rule {:?}: audit_sample must be between 0 and 1 (0.05 audits one auto-approval in twenty), not {sample}",
                rule.name
            ));
        }
        if rule.route != Route::AutoApproved || rule.mode == RuleMode::Shadow {
            return Err(format!(
                "rule {:?}: audit_sample needs a live route = \"auto_approved\": only auto-approved items are audited",
                rule.name
            ));
        }
    }
    if rule
        .target_error
        .is_some_and(|target| !valid_target_error(target))
    {
        return Err(format!("rule {:?}: {TARGET_ERROR_RULE}", rule.name));
    }
    Ok(())
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
    fn clinical_suggestions_are_read_blind_first() {
        for policy in [Policy::builtin(), Policy::demo()] {
            assert!(
                policy
                    .route(&item("clinical_suggestion", 0.7, "medium"))
                    .blind
            );
            assert!(!policy.route(&item("transaction", 0.7, "medium")).blind);
            assert!(!policy.route(&item("content_draft", 0.7, "medium")).blind);
            // Auto-approved: nobody reads it.
            assert!(
                !policy
                    .route(&item("clinical_suggestion", 0.99, "low"))
                    .blind
            );
        }
        for (risk, confidence) in [("high", 0.9), ("critical", 0.9), ("medium", 0.2)] {
            let routing = Policy::demo().route(&item("clinical_suggestion", confidence, risk));
            assert!(routing.blind, "{risk} {confidence}");
        }
    }

    #[test]
    fn durations() {
        for (text, seconds) in [
            ("45s", 45),
            ("30m", 1800),
            ("4h", 14_400),
            ("90d", 7_776_000),
        ] {
            assert_eq!(
                text.parse::<Span>().map(|span| span.0.num_seconds()),
                Ok(seconds)
            );
        }
        for bad in ["", "4", "h", "0h", "-1h", "4w", "1.5h", "4 h"] {
            assert!(bad.parse::<Span>().is_err(), "{bad}");
        }
    }

    #[test]
    fn demo_policy_routes_kinds_to_teams() {
        let policy = Policy::demo();
        for (kind, team) in [
            ("transaction", "fraud"),
            ("content_draft", "editorial"),
            ("clinical_suggestion", "clinical"),
        ] {
            assert_eq!(
                policy.route(&item(kind, 0.7, "medium")).team.as_deref(),
                Some(team)
            );
        }
        assert_eq!(policy.route(&item("other", 0.7, "medium")).team, None);
        let clinical = SignatureRequirement {
            meaning: SignatureMeaning::Approval,
            signers_team: Some("clinical".into()),
        };
        for (risk, confidence) in [
            ("medium", 0.7),
            ("critical", 0.7),
            ("high", 0.99),
            ("low", 0.2),
        ] {
            assert_eq!(
                policy
                    .route(&item("clinical_suggestion", confidence, risk))
                    .signature,
                Some(clinical.clone()),
                "{risk} {confidence}"
            );
        }
        assert_eq!(
            policy
                .route(&item("clinical_suggestion", 0.99, "low"))
                .signature,
            None
        );
        assert_eq!(
            policy.route(&item("transaction", 0.7, "medium")).signature,
            None
        );
        assert!(Policy::builtin().named_teams().is_empty());
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
    fn a_shadow_rule_routes_nothing_and_says_what_it_would_have_done() {
        let policy = Policy::parse(
            r#"
            [[rules]]
            name = "escalate-high"
            risk = ["high"]
            route = "escalation"
            [[rules]]
            name = "try-auto-above-0.8"
            mode = "shadow"
            confidence_at_least = 0.8
            route = "auto_approved"
            [[rules]]
            name = "review"
            route = "review"
            "#,
            "test",
        )
        .expect("valid policy");
        let confident = item("transaction", 0.9, "low");
        assert_eq!(policy.route(&confident).rule, "review");
        assert_eq!(
            policy.shadow_routes(&confident),
            [("try-auto-above-0.8", Route::AutoApproved)]
        );
        // A live rule before it decides: the shadow rule would not have been reached.
        assert!(
            policy
                .shadow_routes(&item("transaction", 0.9, "high"))
                .is_empty()
        );
        assert!(
            policy
                .shadow_routes(&item("transaction", 0.7, "low"))
                .is_empty()
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
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\ndue_in = \"4 hours\"",
                "not a duration",
            ),
            ("release_cooldown = \"-5m\"", "not a duration"),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\nsignature = \"autograph\"",
                "not valid TOML",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\nsigners_team = \"clinical\"",
                "signers_team needs signature",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"auto_approved\"\nsignature = \"approval\"",
                "takes no signature",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"auto_approved\"\naudit_sample = 1.5",
                "audit_sample must be between 0 and 1",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\naudit_sample = 0.05",
                "audit_sample needs a live route",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"auto_approved\"\nteam = \"fraud\"",
                "a team only with audit_sample",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\nmode = \"dry\"",
                "unknown variant `dry`",
            ),
            ("target_error = 1.0", "target_error must be above 0"),
            (
                "[[rules]]\nname = \"a\"\nroute = \"auto_approved\"\ntarget_error = 0",
                "target_error must be above 0",
            ),
            (
                "[teams.fraud]\ngold_rate = 1.5",
                "gold_rate must be between 0 and 1",
            ),
            (
                "[teams.fraud]\nmin_gold_accuracy = -0.1",
                "min_gold_accuracy must be between 0 and 1",
            ),
            ("[teams.fraud]\ngold_ratio = 0.1", "not valid TOML"),
            ("[teams.Fraud]\ngold_rate = 0.1", "team names"),
            (
                "[[rules]]\nname = \"a\"\nroute = \"review\"\nblind = \"yes\"",
                "invalid type: string \"yes\", expected a boolean",
            ),
            (
                "[[rules]]\nname = \"a\"\nroute = \"auto_approved\"\nblind = true",
                "takes no blind",
            ),
            ("fatigue_hold_high_risk = \"sleepy\"", "expected one of"),
            ("fatigue_hold_high_risk = \"fresh\"", "from everyone"),
        ] {
            let error = Policy::parse(text, "p.toml").expect_err(text).to_string();
            assert!(error.contains(fragment), "{error}");
        }
    }

    #[test]
    fn the_fatigue_hold_is_off_unless_set() {
        assert_eq!(Policy::builtin().fatigue_hold_high_risk, None);
        let policy =
            Policy::parse("fatigue_hold_high_risk = \"tiring\"", "p.toml").expect("valid policy");
        assert_eq!(policy.fatigue_hold_high_risk, Some(FatigueVerdict::Tiring));
    }
}
