//! Prometheus metrics served at `GET /metrics`.

use std::sync::Mutex;

use countersign_domain::{MutationStatus, QueueHealth};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::stats::totals::OversightTotals;

type Labels = Vec<(&'static str, String)>;

pub struct Metrics {
    registry: Registry,
    http_requests: Family<Labels, Counter>,
    http_seconds: Family<Labels, Histogram>,
    mutations: Family<Labels, Counter>,
    pub items_submitted: Counter,
    pub pulls: Counter,
    pub pushes: Counter,
    pub webhooks_delivered: Counter,
    pub webhooks_failed: Counter,
    /// Audit entries this process's sealer chained, and how long each of its seals waited for the
    /// chain's head (docs/protocol.md, "Recording and sealing").
    pub audit_sealed: Counter,
    pub audit_head_wait: Histogram,
    queue_depth: Family<Labels, Gauge>,
    queue_oldest_age: Family<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    /// Held while the queue gauges are replaced and while rendering, so that a scrape never sees
    /// them half replaced.
    queue_gauges: Mutex<()>,
    /// The oversight totals, counted from the stored decisions at each scrape (`stats::totals`):
    /// decisions by action and kind, overrides by kind, SLA breaches by team.
    decisions: Family<Labels, Counter>,
    overrides: Family<Labels, Counter>,
    sla_breaches: Family<Labels, Counter>,
    /// Scored answers on gold items by result (docs/protocol.md, "Gold items").
    gold_answers: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("countersign_queue");
        let http_requests = Family::<Labels, Counter>::default();
        let http_seconds = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let mutations = Family::<Labels, Counter>::default();
        let items_submitted = Counter::default();
        let pulls = Counter::default();
        let pushes = Counter::default();
        let webhooks_delivered = Counter::default();
        let webhooks_failed = Counter::default();
        let audit_sealed = Counter::default();
        let audit_head_wait = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            http_seconds.clone(),
        );
        registry.register("mutations", "Pushed mutations by result", mutations.clone());
        registry.register(
            "items_submitted",
            "Items newly submitted by producers",
            items_submitted.clone(),
        );
        registry.register("pulls", "Sync pulls served", pulls.clone());
        registry.register("pushes", "Sync pushes served", pushes.clone());
        registry.register(
            "webhooks_delivered",
            "Webhook deliveries answered with 2xx",
            webhooks_delivered.clone(),
        );
        registry.register(
            "webhooks_failed",
            "Webhook attempts that failed and will be retried",
            webhooks_failed.clone(),
        );
        registry.register(
            "audit_sealed",
            "Audit entries chained by this process's sealer",
            audit_sealed.clone(),
        );
        registry.register(
            "audit_head_wait_seconds",
            "How long each seal by this process's sealer waited for the audit chain's head",
            audit_head_wait.clone(),
        );
        let queue_depth = Family::<Labels, Gauge>::default();
        let queue_oldest_age =
            Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
        registry.register(
            "depth",
            "Undecided items per team and stage (team=\"\": no team), as of the scrape",
            queue_depth.clone(),
        );
        registry.register(
            "oldest_age_seconds",
            "Age of the oldest undecided item per team and stage, as of the scrape",
            queue_oldest_age.clone(),
        );
        let decisions = Family::<Labels, Counter>::default();
        let overrides = Family::<Labels, Counter>::default();
        let sla_breaches = Family::<Labels, Counter>::default();
        registry.register(
            "decisions",
            "Decisions recorded, by action and kind (timeouts included), as of the scrape",
            decisions.clone(),
        );
        registry.register(
            "overrides",
            "Decided items a person rejected or approved with edits, by kind, as of the scrape",
            overrides.clone(),
        );
        registry.register(
            "sla_breaches",
            "Items decided after their due_at, by team (team=\"\": no team), as of the scrape",
            sla_breaches.clone(),
        );
        let gold_answers = Family::<Labels, Counter>::default();
        registry.register(
            "gold_answers",
            "Scored decisions on gold items by result (correct, incorrect, escalated)",
            gold_answers.clone(),
        );
        Metrics {
            registry,
            queue_depth,
            queue_oldest_age,
            queue_gauges: Mutex::new(()),
            http_requests,
            http_seconds,
            mutations,
            items_submitted,
            pulls,
            pushes,
            webhooks_delivered,
            webhooks_failed,
            audit_sealed,
            audit_head_wait,
            decisions,
            overrides,
            sla_breaches,
            gold_answers,
        }
    }
}

impl Metrics {
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http_requests
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("route", route.to_owned()),
                ("status", status.to_string()),
            ])
            .inc();
        self.http_seconds
            .get_or_create(&vec![("route", route.to_owned())])
            .observe(seconds);
    }

    pub fn mutation(&self, status: MutationStatus) {
        let status = match status {
            MutationStatus::Applied => "applied",
            MutationStatus::Conflict => "conflict",
            MutationStatus::Rejected => "rejected",
        };
        self.mutations
            .get_or_create(&vec![("status", status.to_owned())])
            .inc();
    }

    pub fn gold_answer(&self, result: countersign_domain::GoldResult) {
        self.gold_answers
            .get_or_create(&vec![("result", result.as_str().to_owned())])
            .inc();
    }

    /// Replaces the queue gauges with `health` (a team and stage without undecided items has none)
    /// and renders everything.
    pub fn render_with(&self, health: &QueueHealth) -> String {
        let _gauges = self
            .queue_gauges
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.queue_depth.clear();
        self.queue_oldest_age.clear();
        for row in &health.rows {
            let labels = vec![
                ("team", row.team.clone().unwrap_or_default()),
                ("stage", row.stage.as_str().to_owned()),
            ];
            self.queue_depth.get_or_create(&labels).set(row.depth);
            if let Some(oldest) = row.oldest_created_at {
                let age = (health.server_time - oldest).num_milliseconds() as f64 / 1000.0;
                self.queue_oldest_age.get_or_create(&labels).set(age);
            }
        }
        self.encode_all()
    }

    /// Replaces the oversight counters with `totals`, counted from the stored history: they only
    /// grow, as counters must, and survive a restart.
    pub fn set_oversight_totals(&self, totals: &OversightTotals) {
        let _gauges = self
            .queue_gauges
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.decisions.clear();
        self.overrides.clear();
        self.sla_breaches.clear();
        for (action, kind, total) in &totals.decisions {
            let labels = vec![("action", action.clone()), ("kind", kind.clone())];
            self.decisions.get_or_create(&labels).inc_by(*total);
        }
        for (kind, total) in &totals.overrides {
            let labels = vec![("kind", kind.clone())];
            self.overrides.get_or_create(&labels).inc_by(*total);
        }
        for (team, total) in &totals.sla_breaches {
            let labels = vec![("team", team.clone().unwrap_or_default())];
            self.sla_breaches.get_or_create(&labels).inc_by(*total);
        }
    }

    /// Renders everything, the queue gauges as last set.
    pub fn render(&self) -> String {
        let _gauges = self
            .queue_gauges
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.encode_all()
    }

    fn encode_all(&self) -> String {
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            tracing::error!(%error, "could not encode metrics");
        }
        text
    }
}
