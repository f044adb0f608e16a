//! The demo's decided history (README.md, "Oversight measures"; docs/cli.md, `seed-demo`): on a
//! fresh database, about two weeks of past work decided by the simulated reviewers of
//! `countersign_demo::history`, through the real path: an [`AppState`] over the same database with a
//! [`ManualClock`] that starts two weeks back and moves as the simulated days go; items submitted as
//! the demo producer; each reviewer pulling and pushing mutations as a real client does, with
//! `opened_at`, blind judgements where the assignment is read blind first, audit verdicts, and
//! Ed25519 signatures where the policy asks for them. Every item of the history ends decided.
//!
//! For these two weeks the demo policy ran as a pilot: gold served at [`HISTORY_GOLD_RATE`] (so each
//! reviewer meets enough gold for an interval), each client holding [`HISTORY_PREFETCH`] items, and
//! the fraud team trialling auto-approval from confidence [`PILOT_AUTO_APPROVAL`] with every such
//! auto-approval audited, which is the evidence the threshold report reads.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use countersign_demo::history::{
    self as plan, Case, HISTORY_DAYS, SIMULATED_REVIEWERS, SimulatedDecision, SimulatedReviewer,
};
use countersign_demo::{DEMO_PRODUCER, demo_kinds, gold_items};
use countersign_domain::blind::blind_first;
use countersign_domain::signature::{self, SignatureRequirement, encode_public_key};
use countersign_domain::{
    Assignment, BlindJudgement, ClientId, DecisionId, GoldExpected, MutationId, MutationStatus,
    NewItem, Role, Route,
};
use countersign_domain::{Mutation, PullRequest};
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::auth::{self, Caller, UserError, UserSpec};
use crate::error::StoreError;
use crate::gold::{self, GoldError};
use crate::items::{self, OPEN_WORK, ProduceError};
use crate::signing::{self, SigningError};
use crate::sync::{self, SyncError};
use crate::teams::{self, TeamError};
use crate::users::{self, UserChange};
use crate::{AppState, Db, ManualClock, Policy};

/// The gold rate of every demo team during the history.
pub const HISTORY_GOLD_RATE: f64 = 0.4;
/// How many items each simulated client holds at once.
pub const HISTORY_PREFETCH: u32 = 14;
/// The confidence from which the fraud team auto-approved low-risk transactions during the pilot.
pub const PILOT_AUTO_APPROVAL: f64 = 0.8;
/// The simulated clinicians' signing PIN.
const HISTORY_PIN: &str = "history-pin";
/// A working day: eight hours ending at the time of day the history is seeded.
const WORKDAY_MINUTES: i64 = 8 * 60;
/// The sessions of a working day, in minutes from its start: (start, end).
const SESSIONS: [(i64, i64); 3] = [(0, 100), (130, 240), (300, 450)];
/// The time kept for the late reviewer's last session, which ends at the moment of seeding so
/// that the fatigue report finds them at work then.
const LATE_SESSION_MINUTES: i64 = 45;
/// Items of the day after the schedule added to the late session's work.
const LATE_EXTRA_ITEMS: usize = 16;
/// A round of the drain after the last day.
const DRAIN_MINUTES: i64 = 15;
/// Rounds of pulling that may be needed after the last day to decide what is left.
const DRAIN_ROUNDS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the demo history could not set up its teams: {0}")]
    Team(#[from] TeamError),
    #[error("the demo history could not set up its reviewers: {0}")]
    User(#[from] UserError),
    #[error("the demo history could not set up a reviewer's signing: {0}")]
    Signing(#[from] SigningError),
    #[error("the demo history could not submit its work: {0}")]
    Produce(#[from] ProduceError),
    #[error("the demo history could not add its gold items: {0}")]
    Gold(#[from] GoldError),
    #[error("the demo history's reviewer could not sync: {0}")]
    Sync(#[from] SyncError),
    #[error("the queue refused a decision of the demo history's reviewer {reviewer}: {message}")]
    Refused { reviewer: String, message: String },
    #[error("{0} items of the demo history are still open after its reviewers drained their work")]
    LeftOpen(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What [`seed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    /// The history was added: this many items submitted and decisions pushed.
    Added { items: usize, decisions: usize },
    /// Its reviewers exist: it was seeded before.
    AlreadyThere,
    /// The database holds other work, which the simulated reviewers would take: left alone.
    NotFresh,
}

/// The demo policy as it ran during the history (see the module's comment).
pub fn history_policy() -> Policy {
    let mut policy = Policy::demo();
    policy.prefetch = HISTORY_PREFETCH;
    for team in policy.teams.values_mut() {
        team.gold_rate = Some(HISTORY_GOLD_RATE);
    }
    for rule in &mut policy.rules {
        if rule.route == Route::AutoApproved && rule.team.as_deref() == Some("fraud") {
            rule.confidence_at_least = Some(PILOT_AUTO_APPROVAL);
            rule.audit_sample = Some(1.0);
        }
    }
    policy
}

/// Seeds the history ending at `now` on a fresh database (see [`Seeded`] for when it does not).
pub async fn seed(db: &Db, now: DateTime<Utc>) -> Result<Seeded, HistoryError> {
    if users::find(db, SIMULATED_REVIEWERS[0].name)
        .await?
        .is_some()
    {
        return Ok(Seeded::AlreadyThere);
    }
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(&db.pool)
        .await
        .map_err(StoreError::from)?;
    if existing > 0 {
        return Ok(Seeded::NotFresh);
    }
    let mut days = working_days(now);
    // The last day ends before the late reviewer's last session, with a break between.
    let late_start = now - Duration::minutes(LATE_SESSION_MINUTES);
    if let Some(last) = days.last_mut() {
        *last = late_start - Duration::minutes(30);
    }
    let start = days[0] - Duration::minutes(WORKDAY_MINUTES);
    let clock = ManualClock::new(start);
    let state = AppState::new(db.clone(), history_policy(), clock.clone());
    let mut run = Run::new(state, clock, now).await?;
    // One day more than the schedule: its first transactions and drafts join the last day's in the
    // late reviewer's last session (audits of auto-approvals are not decisions of the fatigue
    // measures, so the session needs more work than it has decisions).
    let mut chunks = plan::history_days(days.len() + 1, start);
    let extra = chunks.pop().unwrap_or_default();
    let mut late = Vec::new();
    if let Some(last) = chunks.last_mut() {
        let (kept, late_work) = std::mem::take(last)
            .into_iter()
            .partition(|item| item.kind == "clinical_suggestion");
        *last = kept;
        late = late_work;
    }
    late.extend(
        extra
            .into_iter()
            .filter(|item| item.kind != "clinical_suggestion")
            .take(LATE_EXTRA_ITEMS),
    );
    let submitted = chunks.iter().map(Vec::len).sum::<usize>() + late.len();
    for (day_end, day_work) in days.iter().zip(&chunks) {
        run.day(*day_end, day_work).await?;
    }
    run.drain(Some(late_start)).await?;
    run.late_session(&late).await?;
    run.drain(None).await?;
    match run.open_items().await? {
        0 => {}
        open => return Err(HistoryError::LeftOpen(open)),
    }
    Ok(Seeded::Added {
        items: submitted,
        decisions: run.decisions,
    })
}

/// The ends of the history's working days: the last [`HISTORY_DAYS`] days at the time of `now`,
/// weekends left out, today always in.
fn working_days(now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    (0..HISTORY_DAYS)
        .rev()
        .map(|back| now - Duration::days(back))
        .filter(|end| *end == now || !matches!(end.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// A simulated reviewer's client.
struct Client {
    reviewer: SimulatedReviewer,
    caller: Caller,
    id: ClientId,
    last_mutation: u64,
    key: Option<SigningKey>,
    /// What the reviewer holds, from their latest pull.
    held: Vec<Assignment>,
    /// Decisions pushed so far.
    decided: usize,
}

/// One planned decision: what, and how long it takes from the end of the one before.
struct Step {
    assignment: Assignment,
    decision: SimulatedDecision,
    /// Seconds before the item is opened, then in all until it is decided.
    pause: i64,
    seconds: i64,
}

/// One seeding in progress.
struct Run {
    state: AppState,
    clock: Arc<ManualClock>,
    now: DateTime<Utc>,
    clients: Vec<Client>,
    reasons: HashMap<String, Vec<String>>,
    /// A gold item's answer by its content (title and payload), which its copies carry.
    gold: HashMap<String, GoldExpected>,
    rng: StdRng,
    decisions: usize,
}

fn content_key(title: &str, payload: &serde_json::Value) -> String {
    format!("{title}\n{payload}")
}

impl Run {
    /// Creates the reviewers (full names; clinicians with a PIN and a registered key), registers
    /// the demo kinds and adds the gold items, at the clock's start.
    async fn new(
        state: AppState,
        clock: Arc<ManualClock>,
        now: DateTime<Utc>,
    ) -> Result<Run, HistoryError> {
        let start = state.now();
        let db = &state.db;
        teams::ensure(db, &teams::DEMO_TEAMS, start).await?;
        let mut clients = Vec::new();
        for reviewer in SIMULATED_REVIEWERS {
            let member_of: Vec<String> = reviewer.teams.iter().map(|t| (*t).to_owned()).collect();
            let spec = UserSpec {
                name: reviewer.name,
                role: Role::Reviewer,
                teams: &member_of,
                token_expires_at: None,
            };
            let token = auth::add_user_with(db, &spec, start).await?;
            let change = UserChange {
                full_name: Some(reviewer.full_name.to_owned()),
                ..UserChange::default()
            };
            users::update(&state, "system", reviewer.name, &change).await?;
            let key = if reviewer.teams.contains(&"clinical") {
                let seed: [u8; 32] =
                    Sha256::digest(format!("countersign demo history key\n{}", reviewer.name))
                        .into();
                let key = SigningKey::from_bytes(&seed);
                signing::set_pin(&state, reviewer.name, &token, HISTORY_PIN, None).await?;
                let public = encode_public_key(&key.verifying_key());
                signing::register_key(&state, reviewer.name, HISTORY_PIN, &public).await?;
                Some(key)
            } else {
                None
            };
            clients.push(Client {
                reviewer,
                caller: Caller {
                    name: reviewer.name.to_owned(),
                    role: Role::Reviewer,
                },
                id: ClientId::new_v7(),
                last_mutation: 0,
                key,
                held: Vec::new(),
                decided: 0,
            });
        }
        let kinds = demo_kinds();
        items::submit_as_producer(&state, DEMO_PRODUCER, &kinds, &[]).await?;
        let reasons = kinds
            .iter()
            .map(|(kind, spec)| {
                let codes = spec.reason_codes.iter().map(|r| r.code.clone()).collect();
                ((*kind).to_owned(), codes)
            })
            .collect();
        let mut gold = HashMap::new();
        let mut gold_work = gold_items(start);
        gold_work.extend(plan::history_gold_items(start));
        for new in &gold_work {
            gold::add(&state, "system", new).await?;
            if let Some(answer) = &new.gold {
                gold.insert(content_key(&new.title, &new.payload), answer.expected);
            }
        }
        Ok(Run {
            state,
            clock,
            now,
            clients,
            reasons,
            gold,
            rng: StdRng::seed_from_u64(plan::HISTORY_SEED),
            decisions: 0,
        })
    }

    fn move_to(&self, at: DateTime<Utc>) {
        let by = at - self.clock_now();
        if by > Duration::zero() {
            self.clock.advance(by);
        }
    }

    fn clock_now(&self) -> DateTime<Utc> {
        crate::Clock::now(self.clock.as_ref())
    }

    async fn submit(&self, work: &[NewItem]) -> Result<(), HistoryError> {
        if !work.is_empty() {
            items::submit_as_producer(&self.state, DEMO_PRODUCER, &[], work).await?;
        }
        Ok(())
    }

    /// One working day ending at `end`: half the day's work waiting in the morning, the rest
    /// arriving in two batches; [`SESSIONS`] of work with breaks between, each reviewer pulling once
    /// at the start of a session (in turns, so the morning's work is shared) and pushing at its end.
    async fn day(&mut self, end: DateTime<Utc>, work: &[NewItem]) -> Result<(), HistoryError> {
        let start = end - Duration::minutes(WORKDAY_MINUTES);
        let (morning, later) = work.split_at(work.len() / 2);
        let (midday, afternoon) = later.split_at(later.len() / 2);
        for (session, ((from, until), arriving)) in SESSIONS
            .iter()
            .zip([morning, midday, afternoon])
            .enumerate()
        {
            let session_start = start + Duration::minutes(*from);
            let session_end = start + Duration::minutes(*until);
            self.move_to(session_start);
            self.submit(arriving).await?;
            // Who has decided least pulls first, so a team's members share its work.
            let mut turns: Vec<usize> = (0..self.clients.len()).collect();
            turns.sort_by_key(|n| (self.clients[*n].decided, (n + session) % self.clients.len()));
            for &n in &turns {
                self.pull(n).await?;
            }
            let mut planned = Vec::new();
            for &n in &turns {
                planned.push((n, self.plan(n, session_start, Some(session_end), false)));
            }
            self.move_to(session_end);
            for (n, mutations) in planned {
                self.push(n, &mutations).await?;
            }
        }
        Ok(())
    }

    /// The late reviewer's last session: the kept-back work arrives, and they take all of it at
    /// once and decide it, faster than usual and without a break, so that their last decision falls
    /// just before the moment of seeding.
    async fn late_session(&mut self, work: &[NewItem]) -> Result<(), HistoryError> {
        let Some(n) = self.clients.iter().position(|c| c.reviewer.works_late) else {
            return Ok(());
        };
        self.submit(work).await?;
        let mut policy = history_policy();
        policy.prefetch = u32::try_from(work.len())
            .unwrap_or(u32::MAX)
            .max(HISTORY_PREFETCH)
            * 2;
        let whole = AppState::new(self.state.db.clone(), policy, self.clock.clone());
        self.pull_from(&whole, n).await?;
        let steps = self.schedule(n, true);
        let length: i64 = steps.iter().map(|step| step.seconds).sum();
        let from = (self.now - Duration::seconds(20 + length)).max(self.clock_now());
        let mutations = self.materialize(n, &steps, from, None);
        if let Some(last) = mutations.last().and_then(|m| m.client_time) {
            self.move_to(last + Duration::seconds(1));
        }
        self.push(n, &mutations).await
    }

    /// Pulls for everyone until nothing of the history is left open, in rounds of a working slot
    /// up to `until`; without `until`, what is left is decided at once after the late session.
    async fn drain(&mut self, until: Option<DateTime<Utc>>) -> Result<(), HistoryError> {
        for _ in 0..DRAIN_ROUNDS {
            if self.open_items().await? == 0 {
                break;
            }
            let from = self.clock_now();
            let end = until.map(|until| (from + Duration::minutes(DRAIN_MINUTES)).min(until));
            if end.is_some_and(|end| end <= from) {
                break;
            }
            let mut planned = Vec::new();
            for n in 0..self.clients.len() {
                self.pull(n).await?;
                planned.push(self.plan(n, from, end, false));
            }
            let last = planned
                .iter()
                .filter_map(|mutations| mutations.last().and_then(|m| m.client_time))
                .max();
            self.move_to(end.or(last).unwrap_or(from));
            for (n, mutations) in planned.iter().enumerate() {
                self.push(n, mutations).await?;
            }
        }
        Ok(())
    }

    async fn open_items(&self) -> Result<i64, HistoryError> {
        let open: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM items WHERE {OPEN_WORK}"))
                .fetch_one(&self.state.db.pool)
                .await
                .map_err(StoreError::from)?;
        Ok(open)
    }

    async fn pull(&mut self, n: usize) -> Result<(), HistoryError> {
        let state = self.state.clone();
        self.pull_from(&state, n).await
    }

    /// Reviewer `n` pulls (from the start: everything they hold) through `state`.
    async fn pull_from(&mut self, state: &AppState, n: usize) -> Result<(), HistoryError> {
        let client = &self.clients[n];
        let request = PullRequest {
            client_id: client.id,
            cursor: None,
            opened: Vec::new(),
            max_grants: None,
        };
        let pulled = sync::pull(state, &client.caller, &request).await?;
        self.clients[n].held = pulled.assignments;
        Ok(())
    }

    /// The mutations of reviewer `n` deciding what they hold, one after another from `from`, as
    /// many as fit before `until` (all of them without it).
    fn plan(
        &mut self,
        n: usize,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        tired: bool,
    ) -> Vec<Mutation> {
        let steps = self.schedule(n, tired);
        self.materialize(n, &steps, from, until)
    }

    /// What reviewer `n` does with each item they hold, in order, with the seconds each takes
    /// (the pause before it included).
    fn schedule(&mut self, n: usize, tired: bool) -> Vec<Step> {
        let held = std::mem::take(&mut self.clients[n].held);
        let mut pause = self.rng.random_range(5..40);
        held.into_iter()
            .map(|assignment| {
                let decision = self.decide(n, &assignment, tired);
                let step = Step {
                    seconds: pause + decision.seconds,
                    pause,
                    assignment,
                    decision,
                };
                pause = self.rng.random_range(3..15);
                step
            })
            .collect()
    }

    /// The mutations of `steps` from `from`, as many as end by `until`.
    fn materialize(
        &mut self,
        n: usize,
        steps: &[Step],
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Vec<Mutation> {
        let mut at = from;
        let mut mutations = Vec::new();
        for step in steps {
            let opened = at + Duration::seconds(step.pause);
            let decided = at + Duration::seconds(step.seconds);
            if until.is_some_and(|until| decided > until) {
                break;
            }
            mutations.push(self.mutation(n, &step.assignment, &step.decision, opened, decided));
            at = decided;
        }
        mutations
    }

    fn decide(&mut self, n: usize, assignment: &Assignment, tired: bool) -> SimulatedDecision {
        let item = &assignment.item;
        let ai_wrong = match self.gold.get(&content_key(&item.title, &item.payload)) {
            Some(expected) => plan::gold_is_wrong(*expected),
            None => plan::ai_is_wrong(&item.external_id, &item.kind, item.ai.confidence),
        };
        let reasons = self.reasons.get(&item.kind).cloned().unwrap_or_default();
        let case = Case {
            kind: &item.kind,
            ai_wrong,
            blind: blind_first(item, assignment.stage),
            reason_codes: &reasons,
            tired,
        };
        let reviewer = self.clients[n].reviewer;
        let mut rng = plan::decision_rng(reviewer.name, &content_key(&item.title, &item.payload));
        plan::decide(&reviewer, &case, &mut rng)
    }

    fn mutation(
        &mut self,
        n: usize,
        assignment: &Assignment,
        decision: &SimulatedDecision,
        opened: DateTime<Utc>,
        decided: DateTime<Utc>,
    ) -> Mutation {
        let client = &mut self.clients[n];
        client.last_mutation += 1;
        let item = &assignment.item;
        let read_for = (decided - opened) * 3 / 5;
        let mut mutation = Mutation {
            id: MutationId(client.last_mutation),
            decision_id: DecisionId::new_v7(),
            item_id: item.id,
            lease_id: assignment.lease.id,
            lease_epoch: assignment.lease.epoch,
            action: decision.action,
            correction: None,
            reason_code: decision.reason_code.clone(),
            note: None,
            attestation: None,
            client_time: Some(decided),
            patch: None,
            rationale: None,
            tags: Vec::new(),
            signature: None,
            blind_judgement: decision.blind.map(|(verdict, confidence)| BlindJudgement {
                verdict,
                confidence,
                note: None,
                recorded_at: opened + read_for,
            }),
            opened_at: Some(opened),
        };
        if let (Some(requirement), Some(key)) = (&item.signature_required, &client.key)
            && SignatureRequirement::applies_to(decision.action)
        {
            mutation.signature = Some(signature::sign(
                key,
                &mutation.signed_decision(),
                item,
                requirement.meaning,
                client.reviewer.full_name,
                decided,
            ));
        }
        mutation
    }

    async fn push(&mut self, n: usize, mutations: &[Mutation]) -> Result<(), HistoryError> {
        if mutations.is_empty() {
            return Ok(());
        }
        let client = &self.clients[n];
        let pushed = sync::push(&self.state, &client.caller, client.id, mutations).await?;
        if let Some(refused) = pushed
            .results
            .iter()
            .find(|result| result.status != MutationStatus::Applied)
        {
            return Err(HistoryError::Refused {
                reviewer: client.caller.name.clone(),
                message: format!(
                    "{:?} {:?}: {}",
                    refused.status,
                    refused.code,
                    refused.message.as_deref().unwrap_or_default()
                ),
            });
        }
        self.decisions += mutations.len();
        self.clients[n].decided += mutations.len();
        Ok(())
    }
}
