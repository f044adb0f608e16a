-- Issue 10: structured corrections (docs/protocol.md, "Corrections"). With each decision, the
-- RFC 6902 patch against `ai.output` (JSON, approve_with_edits only), the reviewer's rationale, and
-- the decision's tags (a JSON array of strings; NULL when there are none).
ALTER TABLE decisions ADD COLUMN patch TEXT;
ALTER TABLE decisions ADD COLUMN rationale TEXT;
ALTER TABLE decisions ADD COLUMN tags TEXT;
