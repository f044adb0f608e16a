//! The planner's case tables.

use super::*;
use chrono::TimeZone;
use countersign_domain::{Action, DecisionId, Epoch, MutationResult, Removal, Risk};
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
        patch: None,
        rationale: None,
        tags: Vec::new(),
        signature: None,
        blind_judgement: None,
        opened_at: None,
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
        let plan =
            plan_push(&outbox, MutationId(next), limits, DateTime::<Utc>::MAX_UTC).expect(case);
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
            plan_push(
                &outbox,
                MutationId(next),
                BatchLimits::default(),
                DateTime::<Utc>::MAX_UTC
            ),
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
    let batch = plan_push(
        &[entry(1, None), entry(2, None)],
        MutationId(1),
        tiny,
        DateTime::<Utc>::MAX_UTC,
    )
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

fn assignment(item: u128, lease: u128, stage: Stage, due_in_minutes: Option<i64>) -> Assignment {
    let mut a =
        countersign_testkit::fixtures::assignment(ItemId(id(item)), LeaseId(id(lease)), now());
    a.item.external_id = format!("txn-{item}");
    a.item.title = format!("item {item}");
    a.item.ai.output = json!({"verdict": "fraud"});
    a.item.ai.risk = Risk::High;
    a.item.due_at = due_in_minutes.map(|m| now() + Duration::minutes(m));
    a.stage = stage;
    a
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
        more: false,
    }
}

#[test]
fn a_round_pulls_a_small_first_page_then_doubles() {
    let sizes: Vec<u32> = (0..5)
        .map(|page| pull_page_size(FIRST_PULL_PAGE, page))
        .collect();
    assert_eq!(sizes, [100, 200, 400, 800, 1_600]);
    assert_eq!(
        pull_page_size(FIRST_PULL_PAGE, MAX_PULL_PAGES),
        100 << 16,
        "the growth stops"
    );
    assert_eq!(
        pull_page_size(u32::MAX / 2, 3),
        u32::MAX,
        "never overflowing"
    );
}

#[test]
fn a_round_pulls_again_only_while_the_server_has_more_and_gives_some() {
    let one = vec![assignment(1, 1, Stage::Review, None)];
    let mut more = response(one.clone(), vec![]);
    more.more = true;
    assert!(pull_another_page(&more, 1));
    assert!(
        !pull_another_page(&more, MAX_PULL_PAGES),
        "a server that always says more is asked again next round"
    );
    let mut empty_more = response(vec![], vec![]);
    empty_more.more = true;
    assert!(
        !pull_another_page(&empty_more, 1),
        "a page that brought nothing ends the round"
    );
    assert!(!pull_another_page(&response(one, vec![]), 1));
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
        let pulled = response(vec![assignment(1, lease, Stage::Review, None)], vec![]);
        let plan = plan_pull(&local, &pulled, false, now(), Duration::hours(1));
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
    // Every reason alike, `timed_out` (a deadline's `timeout_reject`) included.
    for &reason in <RemovalReason as strum::VariantArray>::VARIANTS {
        for (case, status, deleted, kept) in cases {
            let local = local(&status.map(|s| vec![(1, s, 10)]).unwrap_or_default());
            let pulled = response(vec![], vec![(1, reason)]);
            let plan = plan_pull(&local, &pulled, false, now(), Duration::hours(1));
            assert_eq!(!plan.delete.is_empty(), deleted, "{case}, {reason:?}");
            assert_eq!(
                !plan.keep_marked_removed.is_empty(),
                kept,
                "{case}, {reason:?}"
            );
            if kept {
                assert_eq!(plan.keep_marked_removed[0].1, reason, "{case}");
            }
        }
    }
}

#[test]
fn a_full_snapshot_takes_out_open_items_it_does_not_list() {
    use AssignmentStatus::*;
    let local = local(&[(1, Open, 10), (2, Decided, 20), (3, Open, 30)]);
    let pulled = response(vec![assignment(3, 30, Stage::Review, None)], vec![]);
    let plan = plan_pull(&local, &pulled, true, now(), Duration::hours(1));
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
        let pulled = response(vec![assignment(1, 10, stage, due)], vec![]);
        let plan = plan_pull(&local, &pulled, false, now(), Duration::hours(1));
        let got: Vec<NotifyReason> = plan.notify.iter().map(|n| n.reason).collect();
        assert_eq!(got, want, "{case}");
    }
}

#[test]
fn warn_at_decides_due_soon_when_the_server_set_it() {
    // (case, due in minutes, warn in minutes, due soon)
    let cases: Vec<(&str, Option<i64>, Option<i64>, bool)> = vec![
        ("warn_at passed", Some(120), Some(-1), true),
        ("warn_at now", Some(120), Some(0), true),
        (
            "warn_at ahead, though due within the fixed window",
            Some(30),
            Some(10),
            false,
        ),
        ("no warn_at: the fixed window", Some(30), None, true),
        ("no warn_at, due tomorrow", Some(24 * 60), None, false),
        ("neither", None, None, false),
    ];
    for (case, due, warn, want) in cases {
        let mut a = assignment(1, 10, Stage::Review, due);
        a.item.warn_at = warn.map(|m| now() + Duration::minutes(m));
        assert_eq!(
            is_due_soon(&a.item, now(), Duration::hours(1)),
            want,
            "{case}"
        );
        let pulled = response(vec![a], vec![]);
        let plan = plan_pull(
            &local(&[(1, AssignmentStatus::Open, 10)]),
            &pulled,
            false,
            now(),
            Duration::hours(1),
        );
        let raised = plan
            .notify
            .iter()
            .any(|n| n.reason == NotifyReason::DueSoon);
        assert_eq!(raised, want, "{case}: the pull raises it");
    }
}

#[test]
fn decisions_inside_the_undo_window_wait_and_keep_their_order() {
    let at = |seconds: i64| Utc.timestamp_opt(1_700_000_000 + seconds, 0).single();
    let made = |seq: i64, mutation_id: Option<u64>, seconds: i64| {
        let mut entry = entry(seq, mutation_id);
        entry.mutation.client_time = at(seconds);
        entry
    };
    // Already in flight (3), due (4), inside the window (5), due again but after one that waits (6).
    let outbox = [
        made(3, Some(1), 9),
        made(4, None, 0),
        made(5, None, 6),
        made(6, None, 1),
    ];
    let due_by = at(5).expect("a time");
    let batch = plan_push(&outbox, MutationId(2), BatchLimits::default(), due_by)
        .expect("plan")
        .expect("batch");
    assert_eq!(
        ids(&batch),
        vec![1, 2],
        "the in-flight one resent, the due one numbered"
    );
    assert_eq!(batch.newly_numbered, vec![(4, MutationId(2))]);

    let nothing_due = [made(1, None, 6)];
    assert_eq!(
        plan_push(&nothing_due, MutationId(1), BatchLimits::default(), due_by),
        Ok(None)
    );

    // A comment has no undo window: made just now, it is sent; a decision after it still waits.
    let mut comment = made(1, None, 6);
    comment.mutation.action = Action::Comment;
    let batch = plan_push(
        &[comment, made(2, None, 6)],
        MutationId(1),
        BatchLimits::default(),
        due_by,
    )
    .expect("plan")
    .expect("batch");
    assert_eq!(batch.newly_numbered, vec![(1, MutationId(1))]);
}

#[test]
fn when_kinds_are_fetched() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("time");
    let fresh = Some(now - Duration::minutes(1));
    let stale = Some(now - KINDS_REFRESH);
    // (full snapshot, unknown kind pulled, fetched at, due)
    let cases = [
        (false, false, fresh, false),
        (true, false, fresh, true),
        (false, true, fresh, true),
        (false, false, None, true),
        (false, false, stale, true),
        (false, false, Some(now + Duration::hours(1)), true),
    ];
    for (full, unknown, fetched_at, due) in cases {
        assert_eq!(
            kinds_due(full, unknown, fetched_at, now),
            due,
            "{full} {unknown} {fetched_at:?}"
        );
    }
}

#[test]
fn a_kinds_list_that_cannot_be_kept_is_refused() {
    let definition = |kind: &str, revision: i64| -> countersign_domain::kind::KindDefinition {
        serde_json::from_value(json!({
            "kind": kind, "label": "L", "plural": "Ls", "payload_schema": {}, "output_schema": {},
            "reason_codes": [{"code": "other", "label": "Other"}],
            "revision": revision, "updated_at": "2026-01-01T00:00:00Z",
        }))
        .expect("a kind definition")
    };
    let list = |kinds| KindList { kinds };
    assert_eq!(
        check_kinds(&list(vec![definition("a", 1), definition("b", 3)])),
        Ok(())
    );
    for (name, kinds) in [
        ("twice", vec![definition("a", 1), definition("a", 2)]),
        ("blank", vec![definition(" ", 1)]),
        ("revision 0", vec![definition("a", 0)]),
    ] {
        assert!(
            matches!(check_kinds(&list(kinds)), Err(PlanError::BadKinds(_))),
            "{name}"
        );
    }
}
