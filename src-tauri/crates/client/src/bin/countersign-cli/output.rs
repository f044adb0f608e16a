//! How the CLI prints items, search hits and JSON on standard output.

use std::io::Write;

use countersign_client::model::AssignmentSummary;
use countersign_client::search::TextSegment;
use countersign_client::store::SearchHit;
use countersign_domain::fatigue::{FatigueSignals, Pace};
use serde_json::Value;

pub(crate) fn pretty(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

pub(crate) fn print_table(rows: &[AssignmentSummary]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for row in rows {
        writeln!(
            out,
            "{}  {:<9} {:<15} p{:<3} {:<8} {}  {:<20}  {}",
            row.item_id,
            row.status.as_str(),
            row.stage.as_str(),
            row.priority,
            match row.blind_pending {
                true => "blind".to_owned(),
                false => format!("{:?}", row.risk).to_lowercase(),
            },
            match row.blind_pending {
                true => "  -- ".to_owned(),
                false => format!("{:.2}", row.confidence),
            },
            row.due_at.map_or_else(String::new, |d| d.to_rfc3339()),
            row.title
        )?;
    }
    Ok(())
}

/// Search results as text: the matched words in [brackets], then the excerpt around the match.
pub(crate) fn print_hits(hits: &[SearchHit]) -> anyhow::Result<()> {
    let marked = |segments: &[TextSegment]| -> String {
        segments
            .iter()
            .map(|s| match s.matched {
                true => format!("[{}]", s.text),
                false => s.text.clone(),
            })
            .collect()
    };
    let mut out = std::io::stdout().lock();
    for hit in hits {
        let row = &hit.summary;
        writeln!(
            out,
            "{}  {:<9} {:<15} {}",
            row.item_id,
            row.status.as_str(),
            row.kind,
            marked(&hit.title)
        )?;
        if !hit.excerpt.is_empty() {
            writeln!(out, "    {}", marked(&hit.excerpt))?;
        }
    }
    Ok(())
}

/// The reviewer's own fatigue signals as lines of text; the verdict first, then what caused it.
pub(crate) fn print_fatigue(signals: &FatigueSignals) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let verdict: &str = signals.verdict.into();
    writeln!(out, "verdict: {verdict}")?;
    for reason in &signals.reasons {
        let level: &str = reason.level.into();
        writeln!(
            out,
            "  {}: {:.2} (threshold {:.2}, {level})",
            serde_json::to_value(reason.signal)?
                .as_str()
                .unwrap_or_default(),
            reason.value,
            reason.threshold
        )?;
    }
    let session = &signals.session;
    match session.started_at {
        Some(started) => writeln!(
            out,
            "session: since {started}, {} min, {} decisions",
            session.seconds / 60,
            session.decisions
        )?,
        None => writeln!(out, "session: on a break")?,
    }
    writeln!(
        out,
        "breaks in the last 12 h: {}; last: {}",
        session.breaks,
        session.last_break_seconds.map_or_else(
            || "none".to_owned(),
            |seconds| format!("{} min", seconds / 60)
        )
    )?;
    match signals.pace {
        Pace::Measured { ratio, decisions } => writeln!(
            out,
            "pace: {:.0}% of your usual time over the last {decisions} decisions",
            ratio * 100.0
        )?,
        Pace::NoBaseline { .. } => writeln!(out, "pace: no baseline yet")?,
    }
    writeln!(
        out,
        "streak: {} in a row (longest {})",
        signals.streak.current, signals.streak.longest
    )?;
    writeln!(
        out,
        "under reading time: {}",
        serde_json::to_string(&signals.under_reading_time)?
    )?;
    Ok(())
}
