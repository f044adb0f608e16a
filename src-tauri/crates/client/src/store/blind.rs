//! Blind first read in the local store (docs/protocol.md, "Blind first read"): the reviewer's own
//! verdict on a held item read blind first, recorded before the AI's proposal is shown. Its presence
//! is the reveal, so the reveal survives a restart; a decision takes it into the outbox.

use chrono::{DateTime, SubsecRound, Utc};
use countersign_domain::{
    BlindJudgement, BlindJudgementError, BlindVerdict, Item, ItemId, Stage, blind_first,
};
use sqlx::{Row, SqliteConnection};

use super::codec::{from_json, from_wire_name, to_json};
use super::{Store, StoreError};
use crate::decision::DecisionError;

impl Store {
    /// Records the reviewer's blind verdict on held item `item_id` and so reveals the AI's proposal.
    /// Only for an assignment read blind first; the first read recorded stands (recording again
    /// returns it unchanged: the proposal has been seen since).
    pub async fn record_blind_read(
        &self,
        item_id: ItemId,
        verdict: BlindVerdict,
        confidence: u8,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<BlindJudgement, StoreError> {
        let judgement = BlindJudgement {
            verdict,
            confidence,
            note: note.filter(|note| !note.trim().is_empty()),
            // Whole seconds, like every time the desktop sends: never after the decision's time.
            recorded_at: now.trunc_subsecs(0),
        };
        judgement
            .validate()
            .map_err(|error| StoreError::InvalidDecision(DecisionError::Blind(error)))?;
        let mut tx = self.begin_immediate().await?;
        let row = sqlx::query("SELECT stage, item_json FROM assignments WHERE item_id = ?")
            .bind(item_id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotHeld(item_id))?;
        let stage: Stage = from_wire_name("stage", row.try_get("stage")?)?;
        let item: Item = from_json("item", row.try_get("item_json")?)?;
        if !blind_first(&item, stage) {
            return Err(StoreError::InvalidDecision(DecisionError::Blind(
                BlindJudgementError::Unexpected,
            )));
        }
        sqlx::query(
            "INSERT INTO blind_reads (item_id, judgement) VALUES (?, ?) \
             ON CONFLICT (item_id) DO NOTHING",
        )
        .bind(item_id.to_string())
        .bind(to_json(&judgement)?)
        .execute(&mut *tx)
        .await?;
        let recorded = blind_read_in(&mut tx, item_id).await?;
        tx.commit().await?;
        recorded.ok_or_else(|| StoreError::Corrupt("a blind read just recorded".into()))
    }

    /// The blind verdict recorded on item `item_id`, if any: None means its proposal is not revealed.
    pub async fn blind_read(&self, item_id: ItemId) -> Result<Option<BlindJudgement>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        blind_read_in(&mut conn, item_id).await
    }
}

/// What a reviewer must not see before their blind read: the AI's output, reasoning, signals and
/// evidence (its risk and confidence stay in the item, and the shells hide them on
/// `blind_pending`).
pub(super) fn withhold_proposal(item: &mut Item) {
    item.ai.output = serde_json::Value::Null;
    item.ai.reasoning = None;
    item.ai.signals.clear();
    item.ai.evidence.clear();
}

/// [`Store::blind_read`] inside a transaction.
pub(super) async fn blind_read_in(
    conn: &mut SqliteConnection,
    item_id: ItemId,
) -> Result<Option<BlindJudgement>, StoreError> {
    let judgement: Option<String> =
        sqlx::query_scalar("SELECT judgement FROM blind_reads WHERE item_id = ?")
            .bind(item_id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    judgement
        .map(|text| from_json("blind judgement", &text))
        .transpose()
}
