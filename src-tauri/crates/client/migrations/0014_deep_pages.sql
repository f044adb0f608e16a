-- Issue 15, item 6: inbox pages at any offset (README.md, "Benchmarks"). A page at offset N walked N
-- entries of its sort order's index. Now the store keeps, per list, the sort key of every K-th row
-- (store/anchors.rs) and seeks there: `WHERE (sort key) > (anchor)`, which SQLite turns into one
-- index seek only when every key column is a plain column in one direction. So each sort order gets
-- an index of such columns, in exactly its old order, replacing the index of migration 0002.

-- The sort keys as columns, computed, never stored. `~x` is -x-1: it reverses the order of every
-- integer and, unlike -x, never overflows. `sort_due` is '' with no due date, where `sort_due_missing`
-- already orders the row, so that a comparison with it is never NULL.
ALTER TABLE assignments ADD COLUMN sort_priority INTEGER GENERATED ALWAYS AS (~priority) VIRTUAL;
ALTER TABLE assignments ADD COLUMN sort_due_missing INTEGER GENERATED ALWAYS AS (due_at IS NULL) VIRTUAL;
ALTER TABLE assignments ADD COLUMN sort_due TEXT GENERATED ALWAYS AS (IFNULL(due_at, '')) VIRTUAL;
ALTER TABLE assignments ADD COLUMN sort_risk INTEGER GENERATED ALWAYS AS (~risk_rank) VIRTUAL;

DROP INDEX assignments_page_by_priority;
DROP INDEX assignments_page_by_due;
DROP INDEX assignments_page_by_risk;

-- priority DESC, due_at IS NULL, due_at, item_id
CREATE INDEX assignments_seek_by_priority
    ON assignments (sort_priority, sort_due_missing, sort_due, item_id, status, kind, stage, risk_rank);
-- due_at IS NULL, due_at, priority DESC, item_id
CREATE INDEX assignments_seek_by_due
    ON assignments (sort_due_missing, sort_due, sort_priority, item_id, status, kind, stage, risk_rank);
-- risk_rank DESC, priority DESC, item_id
CREATE INDEX assignments_seek_by_risk
    ON assignments (sort_risk, sort_priority, item_id, status, kind, stage);

-- Bumped in the same transaction as every change that can move a row in, out of or within a list:
-- kept anchors are used only while the generation they were read at is the one a page reads, in the
-- same snapshot, so a stale anchor is never used, whichever process or module wrote.
CREATE TABLE assignment_order_generation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  INTEGER NOT NULL
);
INSERT INTO assignment_order_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER assignment_order_on_insert AFTER INSERT ON assignments
BEGIN
    UPDATE assignment_order_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER assignment_order_on_delete AFTER DELETE ON assignments
BEGIN
    UPDATE assignment_order_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER assignment_order_on_update
AFTER UPDATE OF item_id, priority, due_at, risk_rank, status, kind, stage ON assignments
WHEN OLD.item_id IS NOT NEW.item_id OR OLD.priority IS NOT NEW.priority OR OLD.due_at IS NOT NEW.due_at
    OR OLD.risk_rank IS NOT NEW.risk_rank OR OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind
    OR OLD.stage IS NOT NEW.stage
BEGIN
    UPDATE assignment_order_generation SET generation = generation + 1 WHERE id = 1;
END;
