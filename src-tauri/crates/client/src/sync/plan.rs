//! What to send and how to apply what came back, as plain functions of the state: no I/O, no clock.
//! The sync engine loads the state, calls these, and writes their answer in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use countersign_domain::{
    Assignment, ItemId, LeaseId, Mutation, MutationId, MutationStatus, PullResponse, PushResponse,
    RemovalReason, Stage,
};

use crate::store::AssignmentStatus;

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
         Sending now could lose decisions; use a fresh --data-dir for this server"
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
}

/// Chooses the next push: every unacknowledged mutation again under its own id, then unsent decisions
/// numbered from `next_mutation_id`, within `limits`. `None` when there is nothing to send.
pub fn plan_push(
    unacked: &[OutboxEntry],
    next_mutation_id: MutationId,
    limits: BatchLimits,
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
        if !fits(&batch, bytes, size) {
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
    pub code: Option<String>,
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
                code: result.code.map(|code| code.to_string()),
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
pub struct Upsert {
    pub assignment: Assignment,
    /// The status to store; `None` keeps the local one (a decision or a verdict is recorded there).
    pub status: Option<AssignmentStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifyReason {
    Escalation,
    SecondApproval,
    DueSoon,
}

impl NotifyReason {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyReason::Escalation => "escalation",
            NotifyReason::SecondApproval => "second_approval",
            NotifyReason::DueSoon => "due_soon",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotifyRequest {
    pub item_id: ItemId,
    pub reason: NotifyReason,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PullPlan {
    pub upserts: Vec<Upsert>,
    /// Taken out of the inbox.
    pub delete: Vec<ItemId>,
    /// Taken away by the server while a local decision on them is unsent or in conflict: kept, marked.
    pub keep_marked_removed: Vec<(ItemId, RemovalReason)>,
    /// Candidates; the store drops those already raised for the item.
    pub notify: Vec<NotifyRequest>,
}

/// Decides how a pull response changes the local inbox. `local` holds every local assignment;
/// `full_snapshot` is true when the pull asked with no cursor, so the response lists all that is held.
pub fn plan_pull(
    local: &HashMap<ItemId, LocalAssignment>,
    response: &PullResponse,
    full_snapshot: bool,
    now: DateTime<Utc>,
    due_soon_within: Duration,
) -> PullPlan {
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
                Stage::Review => None,
            };
            if let Some(reason) = reason {
                plan.notify.push(NotifyRequest {
                    item_id,
                    reason,
                    title: assignment.item.title.clone(),
                });
            }
        }
        let open_after = match status {
            Some(s) => s == AssignmentStatus::Open,
            None => local
                .get(&item_id)
                .is_some_and(|l| l.status == AssignmentStatus::Open),
        };
        if open_after
            && assignment
                .item
                .due_at
                .is_some_and(|due| due <= now + due_soon_within)
        {
            plan.notify.push(NotifyRequest {
                item_id,
                reason: NotifyReason::DueSoon,
                title: assignment.item.title.clone(),
            });
        }
        plan.upserts.push(Upsert {
            assignment: assignment.clone(),
            status,
        });
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
mod tests {
    use super::*;
    use chrono::TimeZone;
    use countersign_domain::{
        Action, AiProposal, DecisionId, Epoch, Item, ItemStatus, Lease, MutationResult, Removal,
        Risk, Route,
    };
    use serde_json::json;
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn mutation(item: u128) -> Mutation {
        Mutation {
            id: MutationId(0),
            decision_id: DecisionId(id(1000 + item)),
            item_id: ItemId(id(item)),
            lease_id: LeaseId(id(2000 + item)),
            lease_epoch: Epoch(1),
            action: Action::Approve,
            correction: None,
            reason_code: None,
            note: None,
            attestation: None,
            client_time: None,
        }
    }

    fn entry(seq: i64, mutation_id: Option<u64>) -> OutboxEntry {
        OutboxEntry {
            seq,
            mutation_id: mutation_id.map(MutationId),
            mutation: mutation(seq as u128),
        }
    }

    fn ids(batch: &PushBatch) -> Vec<u64> {
        batch.mutations.iter().map(|m| m.id.0).collect()
    }

    #[test]
    fn push_plan_table() {
        let small = BatchLimits {
            max_mutations: 2,
            max_bytes: 1 << 20,
        };
        // (case, outbox, next id, limits, expected ids sent, expected newly numbered, next id after)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            Vec<OutboxEntry>,
            u64,
            BatchLimits,
            Vec<u64>,
            Vec<(i64, u64)>,
            u64,
        )> = vec![
            (
                "nothing to send",
                vec![],
                1,
                BatchLimits::default(),
                vec![],
                vec![],
                1,
            ),
            (
                "first decisions are numbered from 1 in local order",
                vec![entry(2, None), entry(1, None)],
                1,
                BatchLimits::default(),
                vec![1, 2],
                vec![(1, 1), (2, 2)],
                3,
            ),
            (
                "unacknowledged ones are resent under their own ids before new ones",
                vec![entry(7, None), entry(5, Some(10)), entry(6, Some(11))],
                12,
                BatchLimits::default(),
                vec![10, 11, 12],
                vec![(7, 12)],
                13,
            ),
            (
                "the batch limit cuts new ones, never reorders",
                vec![entry(1, Some(4)), entry(2, None), entry(3, None)],
                5,
                small,
                vec![4, 5],
                vec![(2, 5)],
                6,
            ),
            (
                "the batch limit cuts resends too; new ones wait",
                vec![
                    entry(1, Some(4)),
                    entry(2, Some(5)),
                    entry(3, Some(6)),
                    entry(4, None),
                ],
                7,
                small,
                vec![4, 5],
                vec![],
                7,
            ),
        ];
        for (case, outbox, next, limits, sent, numbered, next_after) in cases {
            let plan = plan_push(&outbox, MutationId(next), limits).expect(case);
            match plan {
                None => assert!(sent.is_empty(), "{case}"),
                Some(batch) => {
                    assert_eq!(ids(&batch), sent, "{case}");
                    let got: Vec<(i64, u64)> = batch
                        .newly_numbered
                        .iter()
                        .map(|(s, m)| (*s, m.0))
                        .collect();
                    assert_eq!(got, numbered, "{case}");
                    assert_eq!(batch.next_mutation_id, MutationId(next_after), "{case}");
                }
            }
        }
    }

    #[test]
    fn a_gap_in_numbered_mutations_is_refused() {
        for (outbox, next) in [
            (vec![entry(1, Some(3)), entry(2, Some(5))], 6),
            (vec![entry(1, Some(3))], 5),
            (vec![entry(1, Some(3))], 3),
        ] {
            assert!(matches!(
                plan_push(&outbox, MutationId(next), BatchLimits::default()),
                Err(PlanError::NonContiguousIds(..))
            ));
        }
    }

    #[test]
    fn byte_limit_still_sends_one_oversized_mutation() {
        let tiny = BatchLimits {
            max_mutations: 10,
            max_bytes: 10,
        };
        let batch = plan_push(&[entry(1, None), entry(2, None)], MutationId(1), tiny)
            .expect("plan")
            .expect("batch");
        assert_eq!(ids(&batch), vec![1]);
    }

    #[test]
    fn server_counter_table() {
        // (server last, local next, ok)
        for (server, next, ok) in [
            (0, 1, true),
            (4, 5, true),
            (2, 9, true),
            (5, 5, false),
            (9, 1, false),
        ] {
            assert_eq!(
                check_server_counter(MutationId(server), MutationId(next)).is_ok(),
                ok,
                "server {server} next {next}"
            );
        }
    }

    fn result(id: u64, status: MutationStatus) -> MutationResult {
        MutationResult {
            id: MutationId(id),
            status,
            code: None,
            message: None,
        }
    }

    fn sent(ids: &[u64]) -> Vec<Mutation> {
        ids.iter()
            .map(|i| Mutation {
                id: MutationId(*i),
                ..mutation(u128::from(*i))
            })
            .collect()
    }

    #[test]
    fn push_response_table() {
        use MutationStatus::*;
        // (case, sent ids, acked before, response last, results, acked ids, unanswered, error?)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            Vec<u64>,
            u64,
            u64,
            Vec<MutationResult>,
            Vec<u64>,
            Vec<u64>,
            bool,
        )> = vec![
            (
                "all applied",
                vec![1, 2],
                0,
                2,
                vec![result(1, Applied), result(2, Applied)],
                vec![1, 2],
                vec![],
                false,
            ),
            (
                "a replay after a lost response is recorded like a first answer",
                vec![3],
                2,
                3,
                vec![result(3, Conflict)],
                vec![3],
                vec![],
                false,
            ),
            (
                "the server stops at a gap: the rest stays in flight",
                vec![4, 5],
                3,
                4,
                vec![result(4, Rejected)],
                vec![4],
                vec![5],
                false,
            ),
            (
                "results for ids not sent are ignored",
                vec![6],
                5,
                6,
                vec![result(6, Applied), result(2, Applied)],
                vec![6],
                vec![],
                false,
            ),
            (
                "the server forgot acknowledged ids",
                vec![6],
                5,
                3,
                vec![],
                vec![],
                vec![],
                true,
            ),
            (
                "a result beyond the server's own mark",
                vec![6],
                5,
                5,
                vec![result(6, Applied)],
                vec![],
                vec![],
                true,
            ),
        ];
        for (case, ids, acked, last, results, want_acked, want_unanswered, want_err) in cases {
            let response = PushResponse {
                last_mutation_id: MutationId(last),
                results,
            };
            let outcome = read_push_response(&sent(&ids), &response, MutationId(acked));
            if want_err {
                assert!(outcome.is_err(), "{case}");
                continue;
            }
            let outcome = outcome.expect(case);
            let got: Vec<u64> = outcome.acks.iter().map(|a| a.mutation_id.0).collect();
            assert_eq!(got, want_acked, "{case}");
            let got: Vec<u64> = outcome.unanswered.iter().map(|m| m.0).collect();
            assert_eq!(got, want_unanswered, "{case}");
            assert_eq!(outcome.last_acked, MutationId(last), "{case}");
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .single()
            .expect("valid time")
    }

    fn assignment(
        item: u128,
        lease: u128,
        stage: Stage,
        due_in_minutes: Option<i64>,
    ) -> Assignment {
        Assignment {
            item: Item {
                id: ItemId(id(item)),
                producer: "fraud-ai".into(),
                created_at: now(),
                external_id: format!("txn-{item}"),
                kind: "transaction".into(),
                title: format!("item {item}"),
                payload: json!({}),
                ai: AiProposal {
                    model: None,
                    output: json!({"verdict": "fraud"}),
                    reasoning: None,
                    confidence: 0.6,
                    risk: Risk::High,
                    signals: vec![],
                    evidence: vec![],
                },
                priority: 50,
                due_at: due_in_minutes.map(|m| now() + Duration::minutes(m)),
                callback_url: None,
                route: Route::Review,
                routing_rule: "default".into(),
                approvals_required: 1,
                status: ItemStatus::Pending,
                outcome: None,
                decisions: vec![],
                team: None,
                warn_at: None,
            },
            stage,
            lease: Lease {
                id: LeaseId(id(lease)),
                epoch: Epoch(1),
                expires_at: now() + Duration::hours(8),
            },
        }
    }

    fn local(entries: &[(u128, AssignmentStatus, u128)]) -> HashMap<ItemId, LocalAssignment> {
        entries
            .iter()
            .map(|(item, status, lease)| {
                (
                    ItemId(id(*item)),
                    LocalAssignment {
                        status: *status,
                        lease_id: LeaseId(id(*lease)),
                    },
                )
            })
            .collect()
    }

    fn response(assignments: Vec<Assignment>, removed: Vec<(u128, RemovalReason)>) -> PullResponse {
        PullResponse {
            cursor: "c1".into(),
            last_mutation_id: MutationId(0),
            server_time: now(),
            assignments,
            removed: removed
                .into_iter()
                .map(|(item, reason)| Removal {
                    item_id: ItemId(id(item)),
                    reason,
                })
                .collect(),
        }
    }

    #[test]
    fn pulled_assignment_status_table() {
        use AssignmentStatus::*;
        // (case, local status and lease, pulled lease, stored status: None = keep local)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            Option<(AssignmentStatus, u128)>,
            u128,
            Option<AssignmentStatus>,
        )> = vec![
            ("new to us", None, 10, Some(Open)),
            ("renewal of an open one", Some((Open, 10)), 10, None),
            (
                "an unsent decision is never overwritten",
                Some((Decided, 10)),
                11,
                None,
            ),
            (
                "a rejected decision stays visible",
                Some((Rejected, 10)),
                10,
                None,
            ),
            (
                "uploaded, same lease: a renewal",
                Some((Uploaded, 10)),
                10,
                None,
            ),
            (
                "uploaded, new lease: new work",
                Some((Uploaded, 10)),
                11,
                Some(Open),
            ),
            (
                "conflict, new lease: new work",
                Some((Conflict, 10)),
                11,
                Some(Open),
            ),
        ];
        for (case, before, lease, want) in cases {
            let local = local(&before.map(|(s, l)| vec![(1, s, l)]).unwrap_or_default());
            let plan = plan_pull(
                &local,
                &response(vec![assignment(1, lease, Stage::Review, None)], vec![]),
                false,
                now(),
                Duration::hours(1),
            );
            assert_eq!(plan.upserts.len(), 1, "{case}");
            assert_eq!(plan.upserts[0].status, want, "{case}");
        }
    }

    #[test]
    fn removal_table() {
        use AssignmentStatus::*;
        // (case, local status, deleted, kept marked)
        let cases = [
            ("open is taken out", Some(Open), true, false),
            ("uploaded is taken out", Some(Uploaded), true, false),
            ("rejected is taken out", Some(Rejected), true, false),
            ("an unsent decision keeps it", Some(Decided), false, true),
            ("a conflict stays shown", Some(Conflict), false, true),
            ("unknown to us: nothing", None, false, false),
        ];
        for (case, status, deleted, kept) in cases {
            let local = local(&status.map(|s| vec![(1, s, 10)]).unwrap_or_default());
            let plan = plan_pull(
                &local,
                &response(vec![], vec![(1, RemovalReason::DecidedElsewhere)]),
                false,
                now(),
                Duration::hours(1),
            );
            assert_eq!(!plan.delete.is_empty(), deleted, "{case}");
            assert_eq!(!plan.keep_marked_removed.is_empty(), kept, "{case}");
        }
    }

    #[test]
    fn a_full_snapshot_takes_out_open_items_it_does_not_list() {
        use AssignmentStatus::*;
        let local = local(&[(1, Open, 10), (2, Decided, 20), (3, Open, 30)]);
        let plan = plan_pull(
            &local,
            &response(vec![assignment(3, 30, Stage::Review, None)], vec![]),
            true,
            now(),
            Duration::hours(1),
        );
        assert_eq!(plan.delete, vec![ItemId(id(1))]);
        assert!(plan.keep_marked_removed.is_empty());
    }

    #[test]
    fn notification_table() {
        use AssignmentStatus::*;
        // (case, local, stage, due in minutes, expected reasons)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            Option<(AssignmentStatus, u128)>,
            Stage,
            Option<i64>,
            Vec<NotifyReason>,
        )> = vec![
            (
                "new review item: nothing",
                None,
                Stage::Review,
                None,
                vec![],
            ),
            (
                "new escalation",
                None,
                Stage::Escalation,
                None,
                vec![NotifyReason::Escalation],
            ),
            (
                "new second approval",
                None,
                Stage::SecondApproval,
                None,
                vec![NotifyReason::SecondApproval],
            ),
            (
                "renewed escalation: nothing new",
                Some((Open, 10)),
                Stage::Escalation,
                None,
                vec![],
            ),
            (
                "open and due within the hour",
                Some((Open, 10)),
                Stage::Review,
                Some(30),
                vec![NotifyReason::DueSoon],
            ),
            (
                "open and overdue",
                Some((Open, 10)),
                Stage::Review,
                Some(-5),
                vec![NotifyReason::DueSoon],
            ),
            (
                "open and due tomorrow",
                Some((Open, 10)),
                Stage::Review,
                Some(24 * 60),
                vec![],
            ),
            (
                "decided and due soon: nothing to do",
                Some((Decided, 10)),
                Stage::Review,
                Some(5),
                vec![],
            ),
            (
                "escalation back under a new lease, due soon",
                Some((Uploaded, 9)),
                Stage::Escalation,
                Some(5),
                vec![NotifyReason::Escalation, NotifyReason::DueSoon],
            ),
        ];
        for (case, before, stage, due, want) in cases {
            let local = local(&before.map(|(s, l)| vec![(1, s, l)]).unwrap_or_default());
            let plan = plan_pull(
                &local,
                &response(vec![assignment(1, 10, stage, due)], vec![]),
                false,
                now(),
                Duration::hours(1),
            );
            let got: Vec<NotifyReason> = plan.notify.iter().map(|n| n.reason).collect();
            assert_eq!(got, want, "{case}");
        }
    }
}
