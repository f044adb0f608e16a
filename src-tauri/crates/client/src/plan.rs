//! What to send and how to apply what came back, as plain functions of the state: no I/O, no clock.
//! The sync engine loads the state, calls these, and writes their answer in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use countersign_domain::kind::KindList;
use countersign_domain::{
    Action, Assignment, EscalationNotice, Item, ItemId, LeaseId, MentionNotice, Mutation,
    MutationId, MutationStatus, PullResponse, PushResponse, RemovalReason, ResultCode, Stage,
};

use crate::model::{AssignmentStatus, wire_enum};

/// The `max_grants` of the first page of a round's pull: small, so that a first start's inbox shows
/// work at once; each following page asks for twice as many, so that a large prefetch takes few
/// round trips (docs/protocol.md, "Paged pulls").
pub const FIRST_PULL_PAGE: u32 = 100;

/// Pages one round pulls at most: a server that keeps answering `more` is asked again next round.
pub const MAX_PULL_PAGES: usize = 32;

/// The `max_grants` of page `page` (from 0) of a round's pull whose first page asks for `first`.
pub fn pull_page_size(first: u32, page: usize) -> u32 {
    first.saturating_mul(1 << page.min(16))
}

/// Whether a round pulls another page after `response`, its `pages`-th: while the server says
/// there is more and the last page brought some.
pub fn pull_another_page(response: &PullResponse, pages: usize) -> bool {
    response.more && !response.assignments.is_empty() && pages < MAX_PULL_PAGES
}

/// A decision waiting in the outbox, as the planner needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Local order of decisions: ids are handed out in this order.
    pub seq: i64,
    /// `None` until the decision is first sent.
    pub mutation_id: Option<MutationId>,
    /// The mutation to send; its `id` is ignored until `mutation_id` is set.
    pub mutation: Mutation,
}

/// How much one push may carry: the server refuses bodies over 1 MiB.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    pub max_mutations: usize,
    pub max_bytes: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self {
            max_mutations: 250,
            max_bytes: 512 * 1024,
        }
    }
}

/// One push request's worth of mutations.
#[derive(Debug, Clone, PartialEq)]
pub struct PushBatch {
    /// In id order: resent ones first (same ids as before), then newly numbered ones.
    pub mutations: Vec<Mutation>,
    /// Outbox rows (by seq) that get their id now; they must be marked in flight before sending.
    pub newly_numbered: Vec<(i64, MutationId)>,
    pub next_mutation_id: MutationId,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "the local outbox is inconsistent: mutation ids {0:?} are not contiguous below the next id {1}; \
         copy the data directory aside and report this, do not delete it"
    )]
    NonContiguousIds(Vec<MutationId>, MutationId),
    #[error(
        "the server already holds mutations up to {server} from this client, but this data directory \
         has only numbered up to {local}: it was restored from a backup or copied from another machine. \
         Sending now could lose decisions; this server needs a fresh data directory"
    )]
    ServerAhead {
        server: MutationId,
        local: MutationId,
    },
    #[error(
        "the server says it has applied only up to mutation {server}, but it acknowledged up to {acked} \
         before: it lost data or is another server; nothing more will be sent until this is resolved"
    )]
    ServerForgot {
        server: MutationId,
        acked: MutationId,
    },
    #[error("the server answered for mutation {0} beyond its own last_mutation_id {1}")]
    ResultBeyondLast(MutationId, MutationId),
    #[error("the server's list of kinds cannot be kept: {0}; nothing was changed")]
    BadKinds(String),
}

/// How long the synced kinds are trusted before they are fetched again, so a new revision's reason
/// codes and hints arrive without waiting for a full sync.
pub const KINDS_REFRESH: Duration = Duration::minutes(15);

/// Whether a sync round fetches `GET /v1/kinds` after its pull: at a full snapshot (a first sync after
/// signing in, a refused cursor), when a pulled item's kind is unknown here, when they were never
/// fetched, or when the last fetch is older than [`KINDS_REFRESH`].
pub fn kinds_due(
    full_snapshot: bool,
    unknown_kind_pulled: bool,
    fetched_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    full_snapshot
        || unknown_kind_pulled
        || fetched_at.is_none_or(|at| now - at >= KINDS_REFRESH || at > now)
}

/// Refuses a kinds answer that cannot be kept as one list: a blank or repeated name, a revision below 1.
pub fn check_kinds(list: &KindList) -> Result<(), PlanError> {
    let mut names = HashSet::new();
    for definition in &list.kinds {
        let name = definition.kind.as_str();
        if name.trim().is_empty() {
            return Err(PlanError::BadKinds("a kind has a blank name".into()));
        }
        if !names.insert(name) {
            return Err(PlanError::BadKinds(format!(
                "kind {name:?} is listed twice"
            )));
        }
        if definition.revision < 1 {
            return Err(PlanError::BadKinds(format!(
                "kind {name:?} has revision {}",
                definition.revision
            )));
        }
    }
    Ok(())
}

/// Chooses the next push: every unacknowledged mutation again under its own id, then unsent decisions
/// made at or before `due_by` numbered from `next_mutation_id`, within `limits`. `None` when there is
/// nothing to send. A decision made after `due_by` is still in its undo window: it and every later one
/// wait, so decisions keep their local order. A comment has no undo window: it is due at once.
pub fn plan_push(
    unacked: &[OutboxEntry],
    next_mutation_id: MutationId,
    limits: BatchLimits,
    due_by: DateTime<Utc>,
) -> Result<Option<PushBatch>, PlanError> {
    let mut in_flight: Vec<&OutboxEntry> =
        unacked.iter().filter(|e| e.mutation_id.is_some()).collect();
    in_flight.sort_by_key(|e| e.mutation_id);
    let mut pending: Vec<&OutboxEntry> =
        unacked.iter().filter(|e| e.mutation_id.is_none()).collect();
    pending.sort_by_key(|e| e.seq);

    // Numbered mutations must form the run just below next_mutation_id: the server stops at a gap.
    let ids: Vec<MutationId> = in_flight.iter().filter_map(|e| e.mutation_id).collect();
    let contiguous = ids.windows(2).all(|w| w[1] == w[0].next())
        && ids
            .last()
            .is_none_or(|last| last.next() == next_mutation_id);
    if !contiguous {
        return Err(PlanError::NonContiguousIds(ids, next_mutation_id));
    }

    let mut batch = PushBatch {
        mutations: Vec::new(),
        newly_numbered: Vec::new(),
        next_mutation_id,
    };
    let mut bytes = 0usize;
    let fits = |batch: &PushBatch, bytes: usize, size: usize| {
        batch.mutations.is_empty()
            || (batch.mutations.len() < limits.max_mutations && bytes + size <= limits.max_bytes)
    };
    for entry in in_flight {
        let size = approximate_size(&entry.mutation);
        if !fits(&batch, bytes, size) {
            return Ok(Some(batch));
        }
        bytes += size;
        let mut mutation = entry.mutation.clone();
        mutation.id = entry.mutation_id.unwrap_or(mutation.id);
        batch.mutations.push(mutation);
    }
    for entry in pending {
        let size = approximate_size(&entry.mutation);
        // A comment cannot be undone, so no undo window holds it back.
        let due = entry.mutation.action == Action::Comment
            || entry.mutation.client_time.is_none_or(|made| made <= due_by);
        if !due || !fits(&batch, bytes, size) {
            break;
        }
        bytes += size;
        let id = batch.next_mutation_id;
        batch.next_mutation_id = id.next();
        batch.newly_numbered.push((entry.seq, id));
        let mut mutation = entry.mutation.clone();
        mutation.id = id;
        batch.mutations.push(mutation);
    }
    Ok((!batch.mutations.is_empty()).then_some(batch))
}

fn approximate_size(mutation: &Mutation) -> usize {
    serde_json::to_vec(mutation).map_or(1024, |bytes| bytes.len() + 1)
}

/// Refuses to number new mutations when the server has seen ids this directory has not handed out.
pub fn check_server_counter(
    server_last: MutationId,
    next_mutation_id: MutationId,
) -> Result<(), PlanError> {
    if server_last >= next_mutation_id {
        return Err(PlanError::ServerAhead {
            server: server_last,
            local: MutationId(next_mutation_id.0.saturating_sub(1)),
        });
    }
    Ok(())
}

/// The server's final word on one mutation.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub mutation_id: MutationId,
    pub status: MutationStatus,
    pub code: Option<ResultCode>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PushOutcome {
    pub acks: Vec<Ack>,
    /// Sent but not answered (the server stopped at a gap): stay in flight, resent next time.
    pub unanswered: Vec<MutationId>,
    pub last_acked: MutationId,
}

/// Reads a push response. Results for ids at or below the acknowledged mark are replays of what the
/// server stored and are recorded like any other: the first answer may have been lost on the way.
pub fn read_push_response(
    sent: &[Mutation],
    response: &PushResponse,
    last_acked: MutationId,
) -> Result<PushOutcome, PlanError> {
    if response.last_mutation_id < last_acked {
        return Err(PlanError::ServerForgot {
            server: response.last_mutation_id,
            acked: last_acked,
        });
    }
    let sent_ids: HashSet<MutationId> = sent.iter().map(|m| m.id).collect();
    let mut acks = Vec::new();
    for result in &response.results {
        if result.id > response.last_mutation_id {
            return Err(PlanError::ResultBeyondLast(
                result.id,
                response.last_mutation_id,
            ));
        }
        if sent_ids.contains(&result.id) {
            acks.push(Ack {
                mutation_id: result.id,
                status: result.status,
                code: result.code,
                message: result.message.clone(),
            });
        }
    }
    let answered: HashSet<MutationId> = acks.iter().map(|a| a.mutation_id).collect();
    let unanswered = sent
        .iter()
        .map(|m| m.id)
        .filter(|id| !answered.contains(id))
        .collect();
    Ok(PushOutcome {
        acks,
        unanswered,
        last_acked: response.last_mutation_id,
    })
}

/// What the local store knows about one assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAssignment {
    pub status: AssignmentStatus,
    pub lease_id: LeaseId,
}

/// How to write one pulled assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert<'a> {
    /// Borrowed from the pull response: a cold sync plans thousands, and copying each (payload and
    /// all) took 22–27 ms of a 10,000-assignment store write (README.md, Benchmarks).
    pub assignment: &'a Assignment,
    /// The status to store; `None` keeps the local one (a decision or a verdict is recorded there).
    pub status: Option<AssignmentStatus>,
}

wire_enum! {
    /// Why a pulled assignment raises a notification (kept per item so each is raised once).
    pub enum NotifyReason {
        Escalation = "escalation",
        SecondApproval = "second_approval",
        DueSoon = "due_soon",
        /// A comment mentioned the reviewer (docs/protocol.md, "Comments").
        Mention = "mention",
    }
}

/// One notification to raise, with what the reviewer's preferences look at.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyRequest {
    pub item_id: ItemId,
    pub reason: NotifyReason,
    pub title: String,
    pub kind: String,
    /// The item's team (its routing rule's `team`); `None`: offered to everyone.
    pub team: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}

impl NotifyRequest {
    pub fn new(reason: NotifyReason, item: &Item) -> Self {
        Self {
            item_id: item.id,
            reason,
            title: item.title.clone(),
            kind: item.kind.clone(),
            team: item.team.clone(),
            due_at: item.due_at,
        }
    }

    /// The escalation notice of an `escalation` event, before the pull brings the item.
    pub fn escalation(notice: EscalationNotice) -> Self {
        Self {
            item_id: notice.item_id,
            reason: NotifyReason::Escalation,
            title: notice.title,
            kind: notice.kind,
            team: notice.team,
            due_at: notice.due_at,
        }
    }

    /// The notice of a `mention` event: who wrote what, on which item.
    pub fn mention(notice: MentionNotice) -> Self {
        Self {
            item_id: notice.item_id,
            reason: NotifyReason::Mention,
            title: format!("{} on {}: {}", notice.by, notice.title, notice.excerpt),
            kind: notice.kind,
            team: notice.team,
            due_at: None,
        }
    }
}

/// Whether an open item is due soon at `now`: from its `warn_at` when the server set one (the routing
/// rule's `warn_before`), else when it is due within `due_soon_within`.
pub fn is_due_soon(item: &Item, now: DateTime<Utc>, due_soon_within: Duration) -> bool {
    match item.warn_at {
        Some(warn_at) => warn_at <= now,
        None => item.due_at.is_some_and(|due| due <= now + due_soon_within),
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PullPlan<'a> {
    pub upserts: Vec<Upsert<'a>>,
    /// Taken out of the inbox.
    pub delete: Vec<ItemId>,
    /// Taken away by the server while a local decision on them is unsent or in conflict: kept, marked.
    pub keep_marked_removed: Vec<(ItemId, RemovalReason)>,
    /// Candidates; the store drops those already raised for the item.
    pub notify: Vec<NotifyRequest>,
}

/// Decides how a pull response changes the local inbox. `local` holds every local assignment;
/// `full_snapshot` is true when the pull asked with no cursor, so the response lists all that is held.
pub fn plan_pull<'a>(
    local: &HashMap<ItemId, LocalAssignment>,
    response: &'a PullResponse,
    full_snapshot: bool,
    now: DateTime<Utc>,
    due_soon_within: Duration,
) -> PullPlan<'a> {
    let mut plan = PullPlan::default();
    for assignment in &response.assignments {
        let item_id = assignment.item.id;
        let (status, new_work) = match local.get(&item_id) {
            None => (Some(AssignmentStatus::Open), true),
            Some(existing) => match existing.status {
                // A decision waits to upload, or the reviewer can still act: keep what they see.
                AssignmentStatus::Decided | AssignmentStatus::Open | AssignmentStatus::Rejected => {
                    (None, false)
                }
                // Done here; the same item under a new lease is new work (an escalation coming back to
                // a senior, say), under the same lease just a renewal.
                AssignmentStatus::Uploaded | AssignmentStatus::Conflict => {
                    if existing.lease_id == assignment.lease.id {
                        (None, false)
                    } else {
                        (Some(AssignmentStatus::Open), true)
                    }
                }
            },
        };
        if new_work {
            let reason = match assignment.stage {
                Stage::Escalation => Some(NotifyReason::Escalation),
                Stage::SecondApproval => Some(NotifyReason::SecondApproval),
                // An audit is routine work, like a review: no notification.
                Stage::Review | Stage::Audit => None,
            };
            if let Some(reason) = reason {
                plan.notify
                    .push(NotifyRequest::new(reason, &assignment.item));
            }
        }
        let open_after = match status {
            Some(s) => s == AssignmentStatus::Open,
            None => local
                .get(&item_id)
                .is_some_and(|l| l.status == AssignmentStatus::Open),
        };
        if open_after && is_due_soon(&assignment.item, now, due_soon_within) {
            plan.notify
                .push(NotifyRequest::new(NotifyReason::DueSoon, &assignment.item));
        }
        plan.upserts.push(Upsert { assignment, status });
    }

    let mut removals: Vec<(ItemId, RemovalReason)> = response
        .removed
        .iter()
        .map(|r| (r.item_id, r.reason))
        .collect();
    if full_snapshot {
        // Everything held was listed: an open item that is missing is no longer ours.
        let listed: HashSet<ItemId> = response.assignments.iter().map(|a| a.item.id).collect();
        let mut unlisted: Vec<ItemId> = local
            .iter()
            .filter(|(id, l)| l.status == AssignmentStatus::Open && !listed.contains(id))
            .map(|(id, _)| *id)
            .collect();
        unlisted.sort();
        removals.extend(
            unlisted
                .into_iter()
                .map(|id| (id, RemovalReason::Reassigned)),
        );
    }
    for (item_id, reason) in removals {
        match local.get(&item_id).map(|l| l.status) {
            None => {}
            Some(AssignmentStatus::Decided | AssignmentStatus::Conflict) => {
                plan.keep_marked_removed.push((item_id, reason));
            }
            Some(
                AssignmentStatus::Open | AssignmentStatus::Uploaded | AssignmentStatus::Rejected,
            ) => {
                plan.delete.push(item_id);
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests;
