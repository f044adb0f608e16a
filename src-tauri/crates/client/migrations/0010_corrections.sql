-- Issue 10: structured corrections (docs/protocol.md, "Corrections"). An unsent decision keeps the
-- RFC 6902 patch of its correction against `ai.output` (JSON), the reviewer's rationale and the
-- decision's tags (a JSON array; NULL when there are none), sent with it as the mutation.
ALTER TABLE outbox ADD COLUMN patch TEXT;
ALTER TABLE outbox ADD COLUMN rationale TEXT;
ALTER TABLE outbox ADD COLUMN tags TEXT;
