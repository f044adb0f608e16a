//! Human feedback as training data: `sft` (approved or corrected outputs as chat examples),
//! `preference` (correction chosen over the AI's output) and `negative` (outputs people rejected,
//! with the reason), one JSON object per line (docs/protocol.md, "Feedback export").

use countersign_domain::{Action, DecisionRecord, Item, Outcome};
use serde_json::{Value, json};
use strum::VariantArray;

use crate::db::Db;
use crate::deadlines::TIMEOUT_ACTOR;
use crate::error::StoreError;
use crate::items::{self, ITEM_COLUMNS, ItemRow};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum FeedbackFormat {
    Sft,
    Preference,
    /// Outputs a person rejected, with the reason code: negative examples.
    Negative,
}

impl FeedbackFormat {
    /// Parses a format name; the error names the formats there are.
    pub fn parse(text: &str) -> Result<FeedbackFormat, String> {
        text.parse().map_err(|_| {
            let names: Vec<&str> = Self::VARIANTS.iter().map(|&format| format.into()).collect();
            format!(
                "unknown feedback format {text:?}: use {}",
                names.join(" or ")
            )
        })
    }
}

const PAGE: i64 = 500;

/// The prompt the AI answered: what the reviewer saw of the case.
fn prompt(item: &Item) -> String {
    json!({"kind": item.kind, "title": item.title, "payload": item.payload}).to_string()
}

/// The last correction a person made, if any: the version a second approver approved as it stands.
fn corrected(item: &Item) -> Option<&DecisionRecord> {
    item.decisions
        .iter()
        .rev()
        .find(|decision| decision.action == Action::ApproveWithEdits)
}

/// The last correction a person made, if any.
fn correction(item: &Item) -> Option<&Value> {
    corrected(item).and_then(|decision| decision.correction.as_ref())
}

/// The patch, rationale and tags of a decision, as every corrected or negative line carries them.
fn annotations(line: &mut Value, decision: Option<&DecisionRecord>) {
    let Some(decision) = decision else { return };
    line["patch"] = json!(decision.patch);
    line["rationale"] = json!(decision.rationale);
    line["tags"] = json!(decision.tags);
}

/// The person's rejection that decided the item (a timeout is no one's judgment), if any.
fn rejection(item: &Item) -> Option<&DecisionRecord> {
    item.decisions
        .last()
        .filter(|decision| decision.action == Action::Reject && decision.by != TIMEOUT_ACTOR)
}

fn metadata(item: &Item) -> Value {
    let decided_at = item.decisions.last().map(|decision| decision.at);
    let reviewers: Vec<&str> = item
        .decisions
        .iter()
        .map(|decision| decision.by.as_str())
        .collect();
    // The signature manifest of each signed decision, by whom (docs/protocol.md, "Signatures").
    let signatures: Vec<Value> = item
        .decisions
        .iter()
        .filter_map(|decision| {
            let manifest = decision.signature.as_ref()?;
            Some(json!({"by": decision.by, "action": decision.action, "signature": manifest}))
        })
        .collect();
    json!({
        "item_id": item.id, "external_id": item.external_id, "kind": item.kind,
        "outcome": item.outcome, "model": item.ai.model, "confidence": item.ai.confidence,
        "risk": item.ai.risk, "reviewers": reviewers, "decided_at": decided_at,
        "producer": item.producer,
        "signatures": signatures,
    })
}

/// The JSONL line for one item, or None when the item is not feedback in this format.
pub(crate) fn line(item: &Item, format: FeedbackFormat) -> Option<String> {
    let line = match (format, item.outcome?) {
        (FeedbackFormat::Sft, Outcome::Approved) => json!({
            "messages": [
                {"role": "user", "content": prompt(item)},
                {"role": "assistant", "content": item.ai.output},
            ],
            "metadata": metadata(item),
        }),
        (FeedbackFormat::Sft, Outcome::ApprovedWithEdits) => {
            let mut line = json!({
                "messages": [
                    {"role": "user", "content": prompt(item)},
                    {"role": "assistant", "content": correction(item)?},
                ],
                "metadata": metadata(item),
            });
            annotations(&mut line, corrected(item));
            line
        }
        (FeedbackFormat::Preference, Outcome::ApprovedWithEdits) => {
            let mut line = json!({
                "prompt": prompt(item),
                "chosen": correction(item)?,
                "rejected": item.ai.output,
                "metadata": metadata(item),
            });
            annotations(&mut line, corrected(item));
            line
        }
        (FeedbackFormat::Negative, Outcome::Rejected) => {
            let decision = rejection(item)?;
            // A rejected item with a correction was rejected at its second approval: the first
            // approver's version is what the person rejected.
            let rejected = correction(item).unwrap_or(&item.ai.output);
            let mut line = json!({
                "prompt": prompt(item),
                "rejected": rejected,
                "reason_code": decision.reason_code,
                "note": decision.note,
                "metadata": metadata(item),
            });
            annotations(&mut line, Some(decision));
            line
        }
        _ => return None,
    };
    Some(line.to_string())
}

/// One page of the export: the lines of up to `PAGE` decided items after item id `after`
/// (start with ""), and the id to continue after, or None at the end.
pub async fn page(
    db: &Db,
    format: FeedbackFormat,
    after: &str,
) -> Result<(Vec<String>, Option<String>), StoreError> {
    let outcomes = match format {
        FeedbackFormat::Sft => "('approved', 'approved_with_edits')",
        FeedbackFormat::Preference => "('approved_with_edits')",
        FeedbackFormat::Negative => "('rejected')",
    };
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE status = 'decided' AND outcome IN {outcomes} \
         AND gold_id IS NULL AND id > $1 ORDER BY id LIMIT $2"
    );
    let mut conn = db.pool.acquire().await?;
    let rows = sqlx::query(&sql)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
    let mut rows = rows
        .iter()
        .map(ItemRow::parse)
        .collect::<Result<Vec<_>, _>>()?;
    items::attach_decisions(&mut conn, db.backend, &mut rows).await?;
    let next = rows.last().map(|row| row.item.id.to_string());
    let lines = rows
        .iter()
        .filter_map(|row| line(&row.item, format))
        .collect();
    Ok((lines, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_their_names_and_name_the_others() {
        assert_eq!(FeedbackFormat::parse("sft"), Ok(FeedbackFormat::Sft));
        assert_eq!(
            FeedbackFormat::parse("preference"),
            Ok(FeedbackFormat::Preference)
        );
        assert_eq!(
            FeedbackFormat::parse("csv"),
            Err("unknown feedback format \"csv\": use sft or preference or negative".to_owned())
        );
    }
}
