//! The UI's TypeScript types, generated from the Rust types with ts-rs. The test below rewrites
//! ui/src/lib/backend/generated/ and fails when what was there differed, so CI catches stale types;
//! after a change to a type, run `cargo test -p countersign-desktop bindings` once and commit the result.

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use countersign_client::admin::{Directory, UserChange};
    use countersign_client::bulk::{BulkDecision, BulkOutcome, BulkSkip, BulkSkipReason};
    use countersign_client::model::{
        AssignmentStatus, AssignmentSummary, ConflictRecord, ListQuery, OutboxState,
        RecordedDecision, StageCounts,
    };
    use countersign_client::notify::NoticeTarget;
    use countersign_client::preferences::NotificationPreferences;
    use countersign_client::related::{RelatedCase, RelatedCases, RelatedSource};
    use countersign_client::search::{FieldFilter, TextSegment};
    use countersign_client::shift::ShiftEnd;
    use countersign_client::store::LocalComment;
    use countersign_client::store::{SearchHit, SearchPage};
    use countersign_client::story::{ItemStory, StorySource};
    use countersign_client::views::{BuiltinView, SavedView, SavedViewCount, ViewFilter};
    use countersign_domain::fatigue::{FatigueReport, FatigueSignals};
    use countersign_domain::{
        Action, AiProposal, ApiErrorCode, DecisionRecord, Evidence, Handoff, IssuedToken, Item,
        ItemStatus, KindDefinition, KindList, Me, MutationStatus, Outcome, QueueHealth,
        RemovalReason, ResultCode, Risk, Role, Route, Signal, Stage, TokenRequest, UserSummary,
    };
    use countersign_domain::{AuditAction, HistoryEntry, RateEstimate};
    use countersign_domain::{
        AuditErrorRate, CalibrationPoint, OverrideRate, OverrideRates, Overview, ShadowRuleReport,
        SlaCompliance, ThresholdRecommendation, ThresholdReport, ThroughputDay,
    };
    use countersign_domain::{BlindJudgement, BlindReport, BlindReportRow, BlindVerdict};
    use countersign_domain::{GoldAccuracy, GoldReport};
    use strum::VariantArray;
    use ts_rs::TS;

    use crate::error::AppError;
    use crate::view::{AppStatus, AssignmentView, BlindReadRequest, DecisionRequest, InboxPage};

    fn generated_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/generated")
    }

    fn read_ts_files(dir: &Path) -> BTreeMap<String, String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return BTreeMap::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
            .map(|e| {
                let text = std::fs::read_to_string(e.path()).expect("readable generated file");
                (e.file_name().to_string_lossy().into_owned(), text)
            })
            .collect()
    }

    /// Exports every type that crosses to the UI (and what they use) into `dir`.
    fn export_all(dir: &Path) -> Result<(), ts_rs::ExportError> {
        macro_rules! export {
            ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all_to(dir)?; )* };
        }
        export!(
            AppStatus,
            SearchPage,
            SearchHit,
            TextSegment,
            FieldFilter,
            RelatedCases,
            RelatedCase,
            RelatedSource,
            BulkDecision,
            BulkOutcome,
            BulkSkip,
            BulkSkipReason,
            BuiltinView,
            ViewFilter,
            SavedView,
            SavedViewCount,
            Me,
            Role,
            ListQuery,
            InboxPage,
            StageCounts,
            AssignmentSummary,
            AssignmentStatus,
            AssignmentView,
            Item,
            AiProposal,
            Signal,
            Evidence,
            DecisionRecord,
            Action,
            Stage,
            Risk,
            Route,
            ItemStatus,
            Outcome,
            DecisionRequest,
            RecordedDecision,
            OutboxState,
            ConflictRecord,
            AppError,
            MutationStatus,
            ResultCode,
            RemovalReason,
            ApiErrorCode,
            Handoff,
            KindDefinition,
            KindList,
            IssuedToken,
            QueueHealth,
            TokenRequest,
            UserSummary,
            Directory,
            UserChange,
            ShiftEnd,
            NotificationPreferences,
            NoticeTarget,
            ItemStory,
            StorySource,
            LocalComment,
            HistoryEntry,
            AuditAction,
            RateEstimate,
            Overview,
            ThroughputDay,
            SlaCompliance,
            OverrideRates,
            OverrideRate,
            CalibrationPoint,
            ThresholdReport,
            AuditErrorRate,
            ThresholdRecommendation,
            ShadowRuleReport,
            GoldReport,
            GoldAccuracy,
            BlindJudgement,
            BlindVerdict,
            BlindReadRequest,
            BlindReport,
            BlindReportRow,
            FatigueReport,
            FatigueSignals,
        );
        // The stage rule as data, so the UI's fake backend and tests offer what the core offers.
        let table: Vec<String> = Stage::VARIANTS
            .iter()
            .map(|stage| {
                let actions = serde_json::to_string(&stage.actions()).expect("actions serialise");
                format!("  {}: {actions},", stage.as_str())
            })
            .collect();
        std::fs::write(
            dir.join("stageActions.ts"),
            format!(
                "// Generated from Stage::actions (src-tauri/crates/domain/src/sync.rs); never edit.\n\
                 import type {{ Action }} from \"./Action\";\n\
                 import type {{ Stage }} from \"./Stage\";\n\n\
                 export const STAGE_ACTIONS: Record<Stage, Action[]> = {{\n{}\n}};\n",
                table.join("\n")
            ),
        )?;
        Ok(())
    }

    #[test]
    fn generated_typescript_is_up_to_date() {
        let fresh = tempfile::tempdir().expect("temp dir");
        export_all(fresh.path()).expect("export");
        let expected = read_ts_files(fresh.path());
        let target = generated_dir();
        let committed = read_ts_files(&target);
        if committed == expected {
            return;
        }
        std::fs::create_dir_all(&target).expect("create the generated folder");
        for name in committed.keys().filter(|n| !expected.contains_key(*n)) {
            std::fs::remove_file(target.join(name)).expect("remove a stale file");
        }
        for (name, text) in &expected {
            std::fs::write(target.join(name), text).expect("write a generated file");
        }
        panic!(
            "the TypeScript types in {} were stale and have been regenerated; review and commit them",
            target.display()
        );
    }
}
