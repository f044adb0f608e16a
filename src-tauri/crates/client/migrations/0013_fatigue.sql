-- Issue 11: reviewer fatigue from behaviour (docs/protocol.md, "Reviewer fatigue").
-- When the reviewer last opened each item on screen (RFC 3339 text): a decision sends it as
-- `Mutation.opened_at`, so the queue knows the time on item.
CREATE TABLE item_openings (
    item_id    TEXT PRIMARY KEY,
    opened_at  TEXT NOT NULL
);

-- With each decision: when its item was opened, its kind and how much there was to read in it
-- (the domain crate's `fatigue::reading_chars`), so the app judges the reviewer's own session from
-- the outbox alone, after the assignment itself has gone.
ALTER TABLE outbox ADD COLUMN opened_at TEXT;
ALTER TABLE outbox ADD COLUMN kind TEXT;
ALTER TABLE outbox ADD COLUMN reading_chars INTEGER;
