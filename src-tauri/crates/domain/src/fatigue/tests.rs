//! The fatigue formulas on synthetic sessions: fixed timestamps, no wall clock.

use super::*;
use serde_json::json;

fn at(minutes: f64) -> DateTime<Utc> {
    let start: DateTime<Utc> = "2026-11-30T08:00:00Z".parse().expect("a time");
    start + Duration::milliseconds((minutes * 60_000.0).round() as i64)
}

/// `count` decisions of transactions, the first opened `from` minutes after 08:00, each open for
/// `seconds` and followed by a `gap` seconds' pause before the next opening; the actions cycle
/// through `actions`. Returns the decisions and the minute after the last pause.
fn run(
    from: f64,
    count: usize,
    seconds: f64,
    gap: f64,
    actions: &[Action],
    reading_chars: u64,
) -> (Vec<DecisionEvent>, f64) {
    let millis = |minutes: f64| (minutes * 60_000.0).round() as i64;
    let mut now = millis(from);
    let mut events = Vec::new();
    for index in 0..count {
        let opened = now;
        now += millis(seconds / 60.0);
        events.push(DecisionEvent {
            kind: "transaction".into(),
            action: actions[index % actions.len()],
            opened_at: Some(at(opened as f64 / 60_000.0)),
            decided_at: at(now as f64 / 60_000.0),
            reading_chars,
        });
        now += millis(gap / 60.0);
    }
    (events, now as f64 / 60_000.0)
}

const MIXED: [Action; 3] = [Action::Approve, Action::Reject, Action::Approve];

/// Yesterday's 40 decisions at one a minute: a baseline of 60 s per transaction.
fn baseline() -> Vec<DecisionEvent> {
    run(-24.0 * 60.0, 40, 60.0, 30.0, &MIXED, 600).0
}

fn signals(of: &FatigueSignals) -> Vec<(FatigueSignal, FatigueVerdict)> {
    of.reasons
        .iter()
        .map(|reason| (reason.signal, reason.level))
        .collect()
}

#[test]
fn a_steady_session_is_fresh() {
    let mut history = baseline();
    let (today, end) = run(0.0, 30, 60.0, 30.0, &MIXED, 600);
    history.extend(today);
    let assessed = assess(&history, at(end));
    assert_eq!(assessed.verdict, FatigueVerdict::Fresh, "{assessed:?}");
    assert!(assessed.reasons.is_empty());
    assert_eq!(assessed.session.decisions, 30);
    assert_eq!(assessed.session.started_at, Some(at(0.0)));
    // 30 decisions of 60 s with 29 pauses of 30 s between them.
    assert_eq!(assessed.session.seconds, 30 * 60 + 29 * 30);
    assert_eq!(
        assessed.pace,
        Pace::Measured {
            ratio: 1.0,
            decisions: RECENT_WINDOW as u32
        }
    );
    assert_eq!(assessed.streak.longest, 2);
    assert!(matches!(
        assessed.under_reading_time,
        RateEstimate::Estimated {
            successes: 0,
            trials: 30,
            ..
        }
    ));
    // Yesterday's work and today's are separated by one break, more than 12 hours ago.
    assert_eq!(assessed.session.breaks, 0);
    assert!(
        assessed
            .session
            .last_break_seconds
            .is_some_and(|s| s > 20 * 3600)
    );
}

#[test]
fn a_long_session_without_breaks_is_tiring_then_fatigued() {
    // One decision every 90 s for 100 minutes, then on to 160 minutes.
    let (history, end) = run(0.0, 67, 60.0, 30.0, &MIXED, 600);
    let assessed = assess(&history, at(end));
    assert_eq!(assessed.verdict, FatigueVerdict::Tiring);
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::LongSession, FatigueVerdict::Tiring)]
    );
    assert_eq!(assessed.reasons[0].threshold, SESSION_TIRING_MINUTES as f64);

    let (history, end) = run(0.0, 107, 60.0, 30.0, &MIXED, 600);
    let assessed = assess(&history, at(end));
    assert_eq!(assessed.verdict, FatigueVerdict::Fatigued);
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::LongSession, FatigueVerdict::Fatigued)]
    );
    assert!(assessed.reasons[0].value >= 150.0 && assessed.reasons[0].value < 161.0);
    assert_eq!(assessed.session.breaks, 0);
    assert_eq!(assessed.session.last_break_seconds, None);
}

#[test]
fn a_speeding_up_session_is_measured_against_the_reviewers_own_baseline() {
    let mut history = baseline();
    let (steady, minute) = run(0.0, 10, 60.0, 30.0, &MIXED, 600);
    let (rushed, end) = run(minute, 20, 20.0, 5.0, &MIXED, 600);
    history.extend(steady);
    history.extend(rushed);
    let assessed = assess(&history, at(end));
    // The baseline (median of the 50 earlier ones) is 60 s; the last 20 took 20 s each.
    assert_eq!(
        assessed.pace,
        Pace::Measured {
            ratio: 20.0 / 60.0,
            decisions: 20
        }
    );
    assert_eq!(assessed.verdict, FatigueVerdict::Fatigued);
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::FasterThanUsual, FatigueVerdict::Fatigued)]
    );
    // 20 s is above the reading floor of 600 characters (2 + 12 s): not under reading time.
    assert!(matches!(
        assessed.under_reading_time,
        RateEstimate::Estimated { successes: 0, .. }
    ));

    // Half the usual time is tiring; twice the usual time is tiring the other way.
    let mut history = baseline();
    history.extend(run(0.0, 20, 33.0, 10.0, &MIXED, 600).0);
    let assessed = assess(&history, history.last().map(|e| e.decided_at).expect("one"));
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::FasterThanUsual, FatigueVerdict::Tiring)]
    );
    let mut history = baseline();
    history.extend(run(0.0, 20, 150.0, 10.0, &MIXED, 600).0);
    let assessed = assess(&history, history.last().map(|e| e.decided_at).expect("one"));
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::SlowerThanUsual, FatigueVerdict::Tiring)]
    );
}

#[test]
fn a_same_action_streak_is_counted() {
    let (mut history, minute) = run(0.0, 6, 60.0, 30.0, &MIXED, 600);
    let (approvals, end) = run(minute, 30, 60.0, 10.0, &[Action::Approve], 600);
    history.extend(approvals);
    let assessed = assess(&history, at(end));
    // The mixed run ends with an approval, so the streak is 31 long.
    assert_eq!(
        assessed.streak,
        Streak {
            action: Some(Action::Approve),
            current: 31,
            longest: 31
        }
    );
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::SameActionStreak, FatigueVerdict::Tiring)]
    );
    // One different decision ends the current streak but not the longest.
    let mut broken = history.clone();
    broken.extend(run(end, 1, 60.0, 0.0, &[Action::Reject], 600).0);
    let assessed = assess(&broken, at(end + 1.0));
    assert_eq!(assessed.streak.current, 1);
    assert_eq!(assessed.streak.longest, 31);
    assert_eq!(assessed.verdict, FatigueVerdict::Fresh);
}

#[test]
fn a_break_splits_the_session() {
    // 80 minutes, a 15-minute break, then 30 minutes: 125 minutes of work, but no session is long.
    let (mut history, minute) = run(0.0, 54, 60.0, 30.0, &MIXED, 600);
    let break_start = history.last().map(|event| event.decided_at).expect("one");
    let (after, end) = run(minute + 15.0, 20, 60.0, 30.0, &MIXED, 600);
    let resumed = after[0].opened_at.expect("opened");
    history.extend(after);
    let assessed = assess(&history, at(end));
    assert_eq!(assessed.verdict, FatigueVerdict::Fresh, "{assessed:?}");
    assert_eq!(assessed.session.decisions, 20);
    assert_eq!(assessed.session.started_at, Some(resumed));
    assert_eq!(assessed.session.breaks, 1);
    assert_eq!(
        assessed.session.last_break_seconds,
        Some((resumed - break_start).num_seconds())
    );
    assert_eq!(assessed.session.last_break_ended_at, Some(resumed));

    // The same work without the break is one long session.
    let (history, end) = run(0.0, 84, 60.0, 30.0, &MIXED, 600);
    let assessed = assess(&history, at(end));
    assert_eq!(assessed.verdict, FatigueVerdict::Tiring);

    // Stopping for a break ends the session: fresh again, the break still going on.
    let assessed = assess(&history, at(end + 12.0));
    assert_eq!(assessed.verdict, FatigueVerdict::Fresh);
    assert_eq!(assessed.session.decisions, 0);
    assert_eq!(assessed.session.started_at, None);
    assert_eq!(assessed.session.breaks, 1);
    assert_eq!(assessed.session.last_break_ended_at, None);
    assert!(
        assessed
            .session
            .last_break_seconds
            .is_some_and(|s| s >= 12 * 60 - 31)
    );
}

#[test]
fn a_new_reviewer_has_no_baseline_yet() {
    let (history, end) = run(0.0, 15, 60.0, 30.0, &MIXED, 600);
    let assessed = assess(&history, at(end));
    assert_eq!(
        assessed.pace,
        Pace::NoBaseline {
            decisions: 0,
            needed: MIN_RECENT as u32
        }
    );
    assert_eq!(assessed.verdict, FatigueVerdict::Fresh);
    assert!(matches!(
        assessed.under_reading_time,
        RateEstimate::NotEnoughData { trials: 15, .. }
    ));
    // Decisions from a client that does not report openings count for the session, not the pace.
    let untimed: Vec<DecisionEvent> = history
        .iter()
        .cloned()
        .map(|event| DecisionEvent {
            opened_at: None,
            ..event
        })
        .collect();
    let assessed = assess(&untimed, at(end));
    assert_eq!(assessed.session.decisions, 15);
    assert_eq!(assessed.under_reading_time.trials(), 0);
}

#[test]
fn decisions_under_the_reading_floor_are_counted() {
    // 2,000 characters: a floor of 2 + 40 s. Ten at 5 s after five at 60 s.
    let (mut history, minute) = run(0.0, 5, 60.0, 10.0, &MIXED, 2000);
    history.extend(run(minute, 10, 5.0, 5.0, &MIXED, 2000).0);
    let end = history.last().map(|event| event.decided_at).expect("one");
    let assessed = assess(&history, end);
    assert_eq!(
        signals(&assessed),
        [(FatigueSignal::UnderReadingTime, FatigueVerdict::Fatigued)]
    );
    assert!(matches!(
        assessed.under_reading_time,
        RateEstimate::NotEnoughData {
            successes: 10,
            trials: 15,
            ..
        }
    ));
    assert_eq!(reading_floor_seconds(2000), 42.0);
}

#[test]
fn reading_length_counts_what_the_reviewer_sees() {
    let payload = json!({"amount": 4980, "merchant": "Acme", "lines": ["ab", null, true]});
    // "amount" 6 + "4980" 4 + "merchant" 8 + "Acme" 4 + "lines" 5 + "ab" 2 + "true" 4.
    assert_eq!(reading_chars("Pay", &payload, &json!("Déjà")), 3 + 33 + 4);
}

#[test]
fn an_opened_at_after_the_decision_or_absurdly_old_is_refused() {
    let decided = at(0.0);
    assert_eq!(check_opened_at(at(-3.0), decided), Ok(()));
    assert_eq!(check_opened_at(at(4.0), decided), Ok(()));
    assert!(matches!(
        check_opened_at(at(6.0), decided),
        Err(OpenedAtError::AfterDecision { .. })
    ));
    assert!(matches!(
        check_opened_at(decided - Duration::days(31), decided),
        Err(OpenedAtError::TooOld { .. })
    ));
}

#[test]
fn the_hold_applies_at_or_past_its_threshold() {
    use FatigueVerdict::*;
    assert!(holds_high_risk(Fatigued, Fatigued));
    assert!(!holds_high_risk(Tiring, Fatigued));
    assert!(holds_high_risk(Fatigued, Tiring));
    assert!(holds_high_risk(Tiring, Tiring));
    assert!(!holds_high_risk(Fresh, Fresh));
    assert_eq!(
        serde_json::to_value(Fatigued).expect("serialises"),
        json!("fatigued")
    );
}
