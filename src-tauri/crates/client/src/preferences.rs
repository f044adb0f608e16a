//! The reviewer's notification preferences and the one rule that applies them: mute by kind, mute by
//! team, do-not-disturb hours in local time. An escalation past its due date breaks through all of
//! them; second approvals and "due soon" warnings respect them. A notice not shown is still raised
//! (once): the item is in the inbox as always.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::plan::{NotifyReason, NotifyRequest};

/// What the reviewer chose, kept in the app's settings.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct NotificationPreferences {
    /// Item kinds (`Item.kind`) whose notices are not shown.
    pub muted_kinds: Vec<String>,
    /// Teams (`Item.team`) whose items' notices are not shown.
    pub muted_teams: Vec<String>,
    /// Do-not-disturb hours, local time; none when `None`.
    pub quiet_hours: Option<QuietHours>,
}

/// From `start` to `end`, local time; wraps midnight when `end` is earlier than `start` (22:00–07:00).
/// Equal times are an empty span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuietHours {
    /// "HH:MM" or "HH:MM:SS".
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub start: NaiveTime,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub end: NaiveTime,
}

impl QuietHours {
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

impl NotificationPreferences {
    /// Whether `request` is shown at `now`, which is `local_time` on the reviewer's clock.
    pub fn shows(
        &self,
        request: &NotifyRequest,
        now: DateTime<Utc>,
        local_time: NaiveTime,
    ) -> bool {
        let past_due_escalation = request.reason == NotifyReason::Escalation
            && request.due_at.is_some_and(|due| due <= now);
        if past_due_escalation {
            return true;
        }
        let muted = self.muted_kinds.contains(&request.kind)
            || request
                .team
                .as_ref()
                .is_some_and(|team| self.muted_teams.contains(team));
        !muted && !self.quiet_at(local_time)
    }

    /// Whether a notice about `team` as a whole (a `gold_alert`) is shown at `local_time`.
    pub fn shows_team_notice(&self, team: &str, local_time: NaiveTime) -> bool {
        !self.muted_teams.iter().any(|muted| muted == team) && !self.quiet_at(local_time)
    }

    fn quiet_at(&self, local_time: NaiveTime) -> bool {
        self.quiet_hours
            .is_some_and(|hours| hours.contains(local_time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use countersign_domain::ItemId;
    use uuid::Uuid;

    fn time(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").expect("a time")
    }

    fn hours(start: &str, end: &str) -> Option<QuietHours> {
        Some(QuietHours {
            start: time(start),
            end: time(end),
        })
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .single()
            .expect("valid time")
    }

    fn request(
        reason: NotifyReason,
        kind: &str,
        team: Option<&str>,
        due_in_minutes: Option<i64>,
    ) -> NotifyRequest {
        NotifyRequest {
            item_id: ItemId(Uuid::from_u128(1)),
            reason,
            title: "item".to_owned(),
            kind: kind.to_owned(),
            team: team.map(str::to_owned),
            due_at: due_in_minutes.map(|m| now() + Duration::minutes(m)),
        }
    }

    #[test]
    fn quiet_hours_table() {
        // (start, end, time, inside)
        let cases = [
            ("09:00", "17:00", "12:00", true),
            ("09:00", "17:00", "09:00", true),
            ("09:00", "17:00", "17:00", false),
            ("09:00", "17:00", "08:59", false),
            ("22:00", "07:00", "23:30", true),
            ("22:00", "07:00", "00:00", true),
            ("22:00", "07:00", "06:59", true),
            ("22:00", "07:00", "07:00", false),
            ("22:00", "07:00", "12:00", false),
            ("22:00", "07:00", "21:59", false),
            ("08:00", "08:00", "08:00", false),
        ];
        for (start, end, at, inside) in cases {
            let span = hours(start, end).expect("hours");
            assert_eq!(span.contains(time(at)), inside, "{start}-{end} at {at}");
        }
    }

    #[test]
    fn shows_table() {
        use NotifyReason::*;
        let muted = NotificationPreferences {
            muted_kinds: vec!["medication_order".to_owned()],
            muted_teams: vec!["editorial".to_owned()],
            quiet_hours: None,
        };
        let quiet_at_night = NotificationPreferences {
            quiet_hours: hours("22:00", "07:00"),
            ..NotificationPreferences::default()
        };
        let nothing_muted = NotificationPreferences::default();
        let (day, night) = (time("12:00"), time("23:00"));
        // (case, preferences, request, local time, shown)
        let cases: Vec<(
            &str,
            &NotificationPreferences,
            NotifyRequest,
            NaiveTime,
            bool,
        )> = vec![
            (
                "nothing muted",
                &nothing_muted,
                request(SecondApproval, "transaction", Some("fraud"), None),
                night,
                true,
            ),
            (
                "muted kind",
                &muted,
                request(DueSoon, "medication_order", Some("clinical"), Some(30)),
                day,
                false,
            ),
            (
                "muted team",
                &muted,
                request(SecondApproval, "content_draft", Some("editorial"), None),
                day,
                false,
            ),
            (
                "neither kind nor team muted",
                &muted,
                request(SecondApproval, "transaction", Some("fraud"), None),
                day,
                true,
            ),
            (
                "an item of no team is not muted by a team",
                &muted,
                request(DueSoon, "transaction", None, Some(10)),
                day,
                true,
            ),
            (
                "escalation not yet due, muted kind",
                &muted,
                request(Escalation, "medication_order", None, Some(30)),
                day,
                false,
            ),
            (
                "escalation without a due date, muted team",
                &muted,
                request(Escalation, "content_draft", Some("editorial"), None),
                day,
                false,
            ),
            (
                "escalation past due breaks through a muted kind",
                &muted,
                request(Escalation, "medication_order", None, Some(-1)),
                day,
                true,
            ),
            (
                "escalation past due breaks through a muted team",
                &muted,
                request(Escalation, "content_draft", Some("editorial"), Some(0)),
                day,
                true,
            ),
            (
                "quiet hours hold a second approval",
                &quiet_at_night,
                request(SecondApproval, "transaction", None, None),
                night,
                false,
            ),
            (
                "quiet hours hold a due-soon warning",
                &quiet_at_night,
                request(DueSoon, "transaction", None, Some(-30)),
                night,
                false,
            ),
            (
                "quiet hours hold an escalation not yet due",
                &quiet_at_night,
                request(Escalation, "transaction", None, Some(60)),
                night,
                false,
            ),
            (
                "escalation past due breaks through quiet hours",
                &quiet_at_night,
                request(Escalation, "transaction", None, Some(-5)),
                night,
                true,
            ),
            (
                "outside quiet hours",
                &quiet_at_night,
                request(SecondApproval, "transaction", None, None),
                day,
                true,
            ),
        ];
        for (case, preferences, request, local, want) in cases {
            assert_eq!(preferences.shows(&request, now(), local), want, "{case}");
        }
    }

    #[test]
    fn preferences_read_as_the_ui_writes_them() {
        let read: NotificationPreferences = serde_json::from_str(
            r#"{"muted_kinds": ["transaction"], "quiet_hours": {"start": "22:00", "end": "07:00"}}"#,
        )
        .expect("valid preferences");
        assert_eq!(read.muted_kinds, vec!["transaction".to_owned()]);
        assert!(read.muted_teams.is_empty());
        assert_eq!(read.quiet_hours, hours("22:00", "07:00"));
        assert!(
            serde_json::from_str::<NotificationPreferences>(
                r#"{"quiet_hours": {"start": "25:00", "end": "07:00"}}"#
            )
            .is_err()
        );
    }
}
