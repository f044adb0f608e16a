// Generated from Stage::actions (src-tauri/crates/domain/src/sync.rs); never edit.
import type { Action } from "./Action";
import type { Stage } from "./Stage";

export const STAGE_ACTIONS: Record<Stage, Action[]> = {
  review: ["approve","approve_with_edits","reject","escalate","release"],
  escalation: ["approve","approve_with_edits","reject","release"],
  second_approval: ["approve","reject","release"],
  audit: ["approve","reject","release"],
};
