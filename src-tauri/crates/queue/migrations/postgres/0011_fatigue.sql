-- Issue 11: reviewer fatigue from behaviour (docs/protocol.md, "Reviewer fatigue"). With each
-- decision: when the reviewer opened the item (`Mutation.opened_at`) and decided it
-- (`Mutation.client_time`), both by the client's clock, so their difference is the time on item,
-- in microseconds since the Unix epoch (NULL when the client did not say); and the characters there
-- were to read (title, payload and AI output, as the domain crate's `fatigue::reading_chars` counts).
ALTER TABLE decisions ADD COLUMN opened_at BIGINT;
ALTER TABLE decisions ADD COLUMN decided_at BIGINT;
ALTER TABLE decisions ADD COLUMN reading_chars BIGINT;
-- A reviewer's decisions in time order: the fatigue report and the high-risk hold read these.
CREATE INDEX decisions_by_user ON decisions (by_user, at);
