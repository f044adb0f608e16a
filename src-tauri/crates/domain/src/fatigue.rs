//! Reviewer fatigue from behaviour (docs/protocol.md, "Reviewer fatigue"): the formulas, written
//! once and pure, used by the queue (the seniors' report, holding high-risk work back) and by the
//! desktop core (the reviewer's own break suggestion). Input: one reviewer's decisions, each with
//! its kind, action, when the item was opened and decided, and how much there was to read. Output:
//! the session, the pace against the reviewer's own baseline, same-action streaks, decisions made
//! faster than the text could be read, and a verdict that lists the signals which caused it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::estimate::RateEstimate;
use crate::item::Action;

/// A gap of at least this long between one decision and the next item's opening is a break, and
/// ends a session: ten minutes away from the queue is more than reading a long case takes.
pub const BREAK_GAP_MINUTES: i64 = 10;
/// Breaks are counted over this many hours before now (about a working day).
pub const BREAK_LOOKBACK_HOURS: i64 = 12;
/// The pace is judged over the session's last this many timed decisions.
pub const RECENT_WINDOW: usize = 20;
/// Fewer recent decisions with a baseline than this and no pace is claimed.
pub const MIN_RECENT: usize = 10;
/// A kind's baseline needs at least this many earlier timed decisions of the reviewer's.
pub const MIN_BASELINE: usize = 20;
/// Recent time on item at or below this share of the baseline: tiring (faster than usual).
pub const FASTER_TIRING: f64 = 0.6;
/// At or below this share: fatigued (the reviewer takes well under half their usual time).
pub const FASTER_FATIGUED: f64 = 0.4;
/// At or above this multiple of the baseline: tiring (slower than usual).
pub const SLOWER_TIRING: f64 = 2.0;
/// A session this long without a break: tiring. Vigilance drops within the first hours.
pub const SESSION_TIRING_MINUTES: i64 = 90;
/// A session this long without a break: fatigued.
pub const SESSION_FATIGUED_MINUTES: i64 = 150;
/// This many same actions in a row, ending with the latest decision: tiring.
pub const STREAK_TIRING: u32 = 25;
/// This many same actions in a row: fatigued.
pub const STREAK_FATIGUED: u32 = 50;
/// The reading-time floor's fixed part: nobody weighs a case in less.
pub const FLOOR_FIXED_SECONDS: f64 = 2.0;
/// The reading-time floor's speed: about 600 words a minute, skimming, well above careful reading.
pub const FAST_READING_CHARS_PER_SECOND: f64 = 50.0;
/// Decisions under the floor: tiring from this many and this share of the session's timed ones.
pub const UNDER_FLOOR_TIRING: (u64, f64) = (5, 0.2);
/// Decisions under the floor: fatigued from this many and this share.
pub const UNDER_FLOOR_FATIGUED: (u64, f64) = (10, 0.4);
/// An `opened_at` more than this before its decision is refused (`invalid_opened_at`): no case
/// stays open for a month.
pub const MAX_TIME_ON_ITEM_DAYS: i64 = 30;
/// An `opened_at` may be this much after its decision time (two clocks) before it is refused.
pub const OPENED_AT_SKEW_SECONDS: i64 = 300;

/// One decision of a reviewer, as the formulas see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionEvent {
    pub kind: String,
    pub action: Action,
    /// When the reviewer opened the item, when known (older clients do not say).
    pub opened_at: Option<DateTime<Utc>>,
    pub decided_at: DateTime<Utc>,
    /// What there was to read: [`reading_chars`] of the item.
    pub reading_chars: u64,
}

impl DecisionEvent {
    /// When the reviewer started on this item: its opening, or the decision itself when unknown.
    fn started_at(&self) -> DateTime<Utc> {
        self.opened_at
            .filter(|opened| *opened <= self.decided_at)
            .unwrap_or(self.decided_at)
    }

    /// Seconds from opening to decision, when the opening is known.
    fn time_on_item(&self) -> Option<f64> {
        let opened = self.opened_at.filter(|opened| *opened <= self.decided_at)?;
        Some((self.decided_at - opened).num_milliseconds() as f64 / 1000.0)
    }
}

/// The combined verdict, ordered: each is worse than the one before.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FatigueVerdict {
    /// No signal fired.
    Fresh,
    /// At least one signal at its first threshold.
    Tiring,
    /// At least one signal at its second threshold.
    Fatigued,
}

/// Which measure fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FatigueSignal {
    /// `value`: minutes of the session without a break.
    LongSession,
    /// `value`: recent time on item as a share of the reviewer's baseline.
    FasterThanUsual,
    /// `value`: recent time on item as a multiple of the reviewer's baseline.
    SlowerThanUsual,
    /// `value`: the same action this many times in a row.
    SameActionStreak,
    /// `value`: the share of the session's timed decisions made under the reading-time floor.
    UnderReadingTime,
}

/// One signal that contributed to the verdict, with the measured value and the threshold it passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FatigueReason {
    pub signal: FatigueSignal,
    pub level: FatigueVerdict,
    pub value: f64,
    pub threshold: f64,
}

/// The current session (decisions with no break between them, the last one less than a break ago)
/// and the breaks before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionSummary {
    /// When the current session began; null when the reviewer is on a break (or never decided).
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub started_at: Option<DateTime<Utc>>,
    /// From the first opening to the last decision of the current session.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seconds: i64,
    pub decisions: u32,
    /// The reviewer's latest decision, in this session or before.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_decision_at: Option<DateTime<Utc>>,
    /// Breaks that began in the last [`BREAK_LOOKBACK_HOURS`] hours, an ongoing one included.
    pub breaks: u32,
    /// The length of the latest break (so far, when ongoing); null when there was none.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_break_seconds: Option<i64>,
    /// When the latest break ended (null: none, or it is still going on).
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_break_ended_at: Option<DateTime<Utc>>,
}

/// Recent time on item against the reviewer's own baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Pace {
    /// The median over the last `decisions` timed decisions of (time on item / the baseline of
    /// its kind).
    Measured { ratio: f64, decisions: u32 },
    /// Fewer than `needed` recent decisions whose kind has a baseline yet.
    NoBaseline { decisions: u32, needed: u32 },
}

/// Runs of the same action in the current session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Streak {
    /// The latest decision's action; null without a session.
    pub action: Option<Action>,
    /// How many decisions in a row, ending with the latest, took that action.
    pub current: u32,
    /// The longest such run in the session.
    pub longest: u32,
}

/// Everything the formulas say about one reviewer now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FatigueSignals {
    pub verdict: FatigueVerdict,
    /// The signals that caused the verdict, worst first; empty when fresh.
    pub reasons: Vec<FatigueReason>,
    pub session: SessionSummary,
    pub pace: Pace,
    pub streak: Streak,
    /// Decisions of the session made faster than the reading-time floor of their item, as a share
    /// of the session's timed decisions.
    pub under_reading_time: RateEstimate,
}

/// One reviewer in the seniors' report (`GET /v1/stats/fatigue`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewerFatigue {
    pub name: String,
    pub teams: Vec<String>,
    pub signals: FatigueSignals,
}

/// `GET /v1/stats/fatigue`: the reviewers of the caller's teams (an admin: all), by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FatigueReport {
    pub reviewers: Vec<ReviewerFatigue>,
    /// The time the signals were computed at ("now" for sessions and breaks).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub generated_at: DateTime<Utc>,
}

/// Characters there are to read in an item as a reviewer sees it: the title, and the text of every
/// value (and object key, a field's label) of the payload and the AI's output.
pub fn reading_chars(title: &str, payload: &Value, output: &Value) -> u64 {
    fn text_chars(value: &Value) -> u64 {
        match value {
            Value::Null => 0,
            Value::String(text) => text.chars().count() as u64,
            Value::Bool(_) | Value::Number(_) => value.to_string().chars().count() as u64,
            Value::Array(items) => items.iter().map(text_chars).sum(),
            Value::Object(fields) => fields
                .iter()
                .map(|(key, value)| key.chars().count() as u64 + text_chars(value))
                .sum(),
        }
    }
    title.chars().count() as u64 + text_chars(payload) + text_chars(output)
}

/// The fewest seconds an item of `reading_chars` characters can honestly be decided in: a fixed
/// minimum plus the text at a skimming speed.
pub fn reading_floor_seconds(reading_chars: u64) -> f64 {
    FLOOR_FIXED_SECONDS + reading_chars as f64 / FAST_READING_CHARS_PER_SECOND
}

/// Why an `opened_at` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenedAtError {
    #[error("opened_at {opened} is after the decision ({decided})")]
    AfterDecision {
        opened: DateTime<Utc>,
        decided: DateTime<Utc>,
    },
    #[error(
        "opened_at {opened} is more than {MAX_TIME_ON_ITEM_DAYS} days before the decision ({decided})"
    )]
    TooOld {
        opened: DateTime<Utc>,
        decided: DateTime<Utc>,
    },
}

/// The rule for a mutation's `opened_at` against the time of its decision (the mutation's
/// `client_time`, else the server's time): not after it (beyond [`OPENED_AT_SKEW_SECONDS`]), not
/// more than [`MAX_TIME_ON_ITEM_DAYS`] before it.
pub fn check_opened_at(opened: DateTime<Utc>, decided: DateTime<Utc>) -> Result<(), OpenedAtError> {
    if opened > decided + Duration::seconds(OPENED_AT_SKEW_SECONDS) {
        return Err(OpenedAtError::AfterDecision { opened, decided });
    }
    if opened < decided - Duration::days(MAX_TIME_ON_ITEM_DAYS) {
        return Err(OpenedAtError::TooOld { opened, decided });
    }
    Ok(())
}

/// Whether a reviewer of `verdict` is kept from high-risk work under a policy's
/// `fatigue_hold_high_risk = threshold`: at or past it.
pub fn holds_high_risk(verdict: FatigueVerdict, threshold: FatigueVerdict) -> bool {
    threshold > FatigueVerdict::Fresh && verdict >= threshold
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// The reviewer's state at `now` from their decisions (any order; those after `now` are ignored).
pub fn assess(history: &[DecisionEvent], now: DateTime<Utc>) -> FatigueSignals {
    let mut events: Vec<&DecisionEvent> = history
        .iter()
        .filter(|event| event.decided_at <= now)
        .collect();
    events.sort_by_key(|event| event.decided_at);
    let break_gap = Duration::minutes(BREAK_GAP_MINUTES);

    // Sessions: a new one starts where the gap from the last decision to the next opening is a break.
    let mut session_start = 0;
    let mut breaks = Vec::new(); // (started, ended) of each break between decisions
    for index in 1..events.len() {
        let (before, next) = (events[index - 1], events[index]);
        if next.started_at() - before.decided_at >= break_gap {
            breaks.push((before.decided_at, next.started_at()));
            session_start = index;
        }
    }
    let last_decision_at = events.last().map(|event| event.decided_at);
    let on_break = last_decision_at.is_some_and(|last| now - last >= break_gap);
    if let (true, Some(last)) = (on_break, last_decision_at) {
        breaks.push((last, now));
        session_start = events.len();
    }
    let session = &events[session_start..];
    let lookback = now - Duration::hours(BREAK_LOOKBACK_HOURS);
    let last_break = breaks.last().copied();
    let summary = SessionSummary {
        started_at: session.first().map(|event| event.started_at()),
        seconds: session
            .first()
            .zip(session.last())
            .map_or(0, |(first, last)| {
                (last.decided_at - first.started_at()).num_seconds()
            }),
        decisions: session.len() as u32,
        last_decision_at,
        breaks: breaks
            .iter()
            .filter(|(started, _)| *started >= lookback)
            .count() as u32,
        last_break_seconds: last_break.map(|(started, ended)| (ended - started).num_seconds()),
        last_break_ended_at: last_break.filter(|_| !on_break).map(|(_, ended)| ended),
    };

    let pace = pace(&events[..session_start], session);
    let streak = streak(session);
    let timed: Vec<(&DecisionEvent, f64)> = session
        .iter()
        .filter_map(|event| event.time_on_item().map(|seconds| (*event, seconds)))
        .collect();
    let under = timed
        .iter()
        .filter(|(event, seconds)| *seconds < reading_floor_seconds(event.reading_chars))
        .count() as u64;
    let under_reading_time = RateEstimate::of(under, timed.len() as u64);

    let mut reasons = Vec::new();
    let minutes = summary.seconds as f64 / 60.0;
    reasons.extend(level_at_least(
        FatigueSignal::LongSession,
        minutes,
        SESSION_TIRING_MINUTES as f64,
        SESSION_FATIGUED_MINUTES as f64,
    ));
    if let Pace::Measured { ratio, .. } = pace {
        if ratio <= FASTER_FATIGUED {
            reasons.push(reason(
                FatigueSignal::FasterThanUsual,
                FatigueVerdict::Fatigued,
                ratio,
                FASTER_FATIGUED,
            ));
        } else if ratio <= FASTER_TIRING {
            reasons.push(reason(
                FatigueSignal::FasterThanUsual,
                FatigueVerdict::Tiring,
                ratio,
                FASTER_TIRING,
            ));
        } else if ratio >= SLOWER_TIRING {
            reasons.push(reason(
                FatigueSignal::SlowerThanUsual,
                FatigueVerdict::Tiring,
                ratio,
                SLOWER_TIRING,
            ));
        }
    }
    reasons.extend(level_at_least(
        FatigueSignal::SameActionStreak,
        f64::from(streak.current),
        f64::from(STREAK_TIRING),
        f64::from(STREAK_FATIGUED),
    ));
    let share = if timed.is_empty() {
        0.0
    } else {
        under as f64 / timed.len() as f64
    };
    for (level, (count, threshold)) in [
        (FatigueVerdict::Fatigued, UNDER_FLOOR_FATIGUED),
        (FatigueVerdict::Tiring, UNDER_FLOOR_TIRING),
    ] {
        if under >= count && share >= threshold {
            reasons.push(reason(
                FatigueSignal::UnderReadingTime,
                level,
                share,
                threshold,
            ));
            break;
        }
    }
    reasons.sort_by_key(|reason| std::cmp::Reverse(reason.level));
    FatigueSignals {
        verdict: reasons
            .first()
            .map_or(FatigueVerdict::Fresh, |reason| reason.level),
        reasons,
        session: summary,
        pace,
        streak,
        under_reading_time,
    }
}

fn reason(
    signal: FatigueSignal,
    level: FatigueVerdict,
    value: f64,
    threshold: f64,
) -> FatigueReason {
    FatigueReason {
        signal,
        level,
        value,
        threshold,
    }
}

/// The reason for a measure that is worse the higher it is, at the worst level it reaches.
fn level_at_least(
    signal: FatigueSignal,
    value: f64,
    tiring: f64,
    fatigued: f64,
) -> Option<FatigueReason> {
    if value >= fatigued {
        Some(reason(signal, FatigueVerdict::Fatigued, value, fatigued))
    } else if value >= tiring {
        Some(reason(signal, FatigueVerdict::Tiring, value, tiring))
    } else {
        None
    }
}

/// The pace of the session's last [`RECENT_WINDOW`] timed decisions against the baseline of each
/// one's kind: the median time on item of the reviewer's earlier decisions of that kind (before the
/// recent window, in this session or before), at least [`MIN_BASELINE`] of them.
fn pace(before: &[&DecisionEvent], session: &[&DecisionEvent]) -> Pace {
    let timed_in_session: Vec<&DecisionEvent> = session
        .iter()
        .copied()
        .filter(|event| event.time_on_item().is_some())
        .collect();
    let recent_start = timed_in_session.len().saturating_sub(RECENT_WINDOW);
    let recent = &timed_in_session[recent_start..];
    let earlier: Vec<&DecisionEvent> = before
        .iter()
        .copied()
        .chain(timed_in_session[..recent_start].iter().copied())
        .collect();
    let mut ratios = Vec::new();
    for event in recent {
        let mut baseline: Vec<f64> = earlier
            .iter()
            .filter(|earlier| earlier.kind == event.kind)
            .filter_map(|earlier| earlier.time_on_item())
            .collect();
        if baseline.len() < MIN_BASELINE {
            continue;
        }
        let (Some(usual), Some(seconds)) = (median(&mut baseline), event.time_on_item()) else {
            continue;
        };
        if usual > 0.0 {
            ratios.push(seconds / usual);
        }
    }
    let decisions = ratios.len() as u32;
    match median(&mut ratios) {
        Some(ratio) if ratios.len() >= MIN_RECENT => Pace::Measured { ratio, decisions },
        _ => Pace::NoBaseline {
            decisions,
            needed: MIN_RECENT as u32,
        },
    }
}

/// Same-action runs in the session, in decision order.
fn streak(session: &[&DecisionEvent]) -> Streak {
    let (mut current, mut longest) = (0u32, 0u32);
    let mut previous: Option<Action> = None;
    for event in session {
        current = if previous == Some(event.action) {
            current + 1
        } else {
            1
        };
        longest = longest.max(current);
        previous = Some(event.action);
    }
    Streak {
        action: previous,
        current,
        longest,
    }
}

#[cfg(test)]
#[path = "fatigue/tests.rs"]
mod tests;
