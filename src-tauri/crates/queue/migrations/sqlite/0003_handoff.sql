-- Issue 9: the hand-off note a release leaves for the next holder (docs/protocol.md, "Shift
-- hand-off"): who left it, the note, when (microseconds since the Unix epoch, UTC). Kept until the
-- item is decided or released again with a note.
ALTER TABLE items ADD COLUMN handoff_by TEXT;
ALTER TABLE items ADD COLUMN handoff_note TEXT;
ALTER TABLE items ADD COLUMN handoff_at BIGINT;
