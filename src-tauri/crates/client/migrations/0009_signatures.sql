-- Issue 10: a signed decision keeps its signature envelope (docs/protocol.md, "Signatures"), as
-- JSON, from the moment it is recorded (offline too) until it is uploaded with its mutation.
ALTER TABLE outbox ADD COLUMN signature TEXT;
