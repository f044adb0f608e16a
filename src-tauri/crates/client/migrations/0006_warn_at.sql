-- When the holder of an item should be warned that it is near its due date (Item.warn_at, from the
-- routing rule's `warn_before`): a column of its own so the sync engine can find the next warning
-- to wake for without reading every item's JSON. Items pulled before this column existed take it
-- from their stored JSON; the engine parses it, whatever its spelling.
ALTER TABLE assignments ADD COLUMN warn_at TEXT;
UPDATE assignments SET warn_at = json_extract(item_json, '$.warn_at');
CREATE INDEX assignments_by_warn_at ON assignments (warn_at) WHERE warn_at IS NOT NULL;
