//! Human feedback as training data: `sft` (approved or corrected outputs as chat examples) and
//! `preference` (correction chosen over the AI's output), one JSON object per line.

use countersign_domain::{Action, Item, Outcome};
use serde_json::{Value, json};
use strum::VariantArray;

use crate::db::Db;
use crate::error::StoreError;
use crate::items::{self, ITEM_COLUMNS, ItemRow};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum FeedbackFormat {
    Sft,
    Preference,
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

/// The last correction a person made, if any.
fn correction(item: &Item) -> Option<&Value> {
    item.decisions
        .iter()
        .rev()
        .find(|decision| decision.action == Action::ApproveWithEdits)
        .and_then(|decision| decision.correction.as_ref())
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
        (FeedbackFormat::Sft, Outcome::ApprovedWithEdits) => json!({
            "messages": [
                {"role": "user", "content": prompt(item)},
                {"role": "assistant", "content": correction(item)?},
            ],
            "metadata": metadata(item),
        }),
        (FeedbackFormat::Preference, Outcome::ApprovedWithEdits) => json!({
            "prompt": prompt(item),
            "chosen": correction(item)?,
            "rejected": item.ai.output,
            "metadata": metadata(item),
        }),
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
    };
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE status = 'decided' AND outcome IN {outcomes} \
         AND id > $1 ORDER BY id LIMIT $2"
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
    items::attach_decisions(&mut conn, &mut rows).await?;
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
            Err("unknown feedback format \"csv\": use sft or preference".to_owned())
        );
    }
}
