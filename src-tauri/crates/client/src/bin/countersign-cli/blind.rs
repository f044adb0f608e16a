//! `countersign-cli blind`: the reviewer's own verdict on an item read blind first, recorded before
//! its AI proposal is shown (docs/cli.md; docs/protocol.md, "Blind first read").

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use countersign_client::store::Store;
use countersign_domain::{BlindVerdict, ItemId};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerdictArg {
    /// The AI's proposal would stand as it is.
    Approve,
    /// It would not.
    Reject,
}

impl From<VerdictArg> for BlindVerdict {
    fn from(value: VerdictArg) -> Self {
        match value {
            VerdictArg::Approve => BlindVerdict::Approve,
            VerdictArg::Reject => BlindVerdict::Reject,
        }
    }
}

#[derive(Debug, Args)]
pub struct BlindRead {
    pub id: String,
    #[arg(value_enum)]
    pub verdict: VerdictArg,
    /// How sure you are: 1 (a guess) to 5 (certain).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub confidence: u8,
    #[arg(long)]
    pub note: Option<String>,
}

impl BlindRead {
    /// Records the read; `show` then shows the AI's proposal, and `decide` sends the read with the decision.
    pub async fn run(
        self,
        store: &Store,
        item_id: ItemId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let read = store
            .record_blind_read(
                item_id,
                self.verdict.into(),
                self.confidence,
                self.note,
                now,
            )
            .await?;
        println!(
            "recorded your read of {item_id}: {}, confidence {}; `show {item_id}` now shows the AI's proposal",
            read.verdict.as_str(),
            read.confidence
        );
        Ok(())
    }
}

/// What `show` and `list` print instead of the AI's judgement before the blind read.
pub const WITHHELD: &str = "withheld until you record your own read (`countersign-cli blind ID approve|reject --confidence 1-5`)";
