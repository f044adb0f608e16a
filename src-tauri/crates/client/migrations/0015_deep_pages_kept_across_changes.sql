-- Issue 15, item 6: the first deep page after a change (README.md, "Benchmarks"). Kept anchors
-- (store/anchors.rs) were dropped by every change, so the first deep page after a decision or a pull
-- hopped through its whole list again. Now each change that bumps the order's generation also
-- records what it moved: the row's filter columns and sort key before and after (none before an
-- insert, none after a delete). A reader whose anchors are a few generations old reads the moves
-- since, in one snapshot, and shifts each anchor's position by the rows that left or joined its list
-- before it; the anchors' keys stay valid seek points whether or not their own rows still exist.
--
-- Only the last 512 generations are kept, so the record costs one small row per change and stays
-- that size; a reader that finds fewer moves than the generations it missed reads its anchors again,
-- as before. Keyed by generation, so that the moves since a reader's generation are one range.
CREATE TABLE assignment_order_changes (
    generation            INTEGER PRIMARY KEY,
    old_item_id           TEXT,
    old_status            TEXT,
    old_kind              TEXT,
    old_stage             TEXT,
    old_risk_rank         INTEGER,
    old_sort_priority     INTEGER,
    old_sort_due_missing  INTEGER,
    old_sort_due          TEXT,
    old_sort_risk         INTEGER,
    new_item_id           TEXT,
    new_status            TEXT,
    new_kind              TEXT,
    new_stage             TEXT,
    new_risk_rank         INTEGER,
    new_sort_priority     INTEGER,
    new_sort_due_missing  INTEGER,
    new_sort_due          TEXT,
    new_sort_risk         INTEGER
);

-- Each side of a change as a row of the columns the inbox's filters and sort keys name, so that a
-- list's own filters (store/inbox.rs, push_filters) pick the moves that concern it.
CREATE VIEW assignment_order_moves AS
    SELECT generation, -1 AS delta, old_item_id AS item_id, old_status AS status, old_kind AS kind,
           old_stage AS stage, old_risk_rank AS risk_rank, old_sort_priority AS sort_priority,
           old_sort_due_missing AS sort_due_missing, old_sort_due AS sort_due,
           old_sort_risk AS sort_risk
      FROM assignment_order_changes WHERE old_item_id IS NOT NULL
    UNION ALL
    SELECT generation, 1, new_item_id, new_status, new_kind, new_stage, new_risk_rank,
           new_sort_priority, new_sort_due_missing, new_sort_due, new_sort_risk
      FROM assignment_order_changes WHERE new_item_id IS NOT NULL;

DROP TRIGGER assignment_order_on_insert;
DROP TRIGGER assignment_order_on_delete;
DROP TRIGGER assignment_order_on_update;

CREATE TRIGGER assignment_order_on_insert AFTER INSERT ON assignments
BEGIN
    UPDATE assignment_order_generation SET generation = generation + 1 WHERE id = 1;
    INSERT INTO assignment_order_changes (generation, new_item_id, new_status,
        new_kind, new_stage, new_risk_rank, new_sort_priority, new_sort_due_missing, new_sort_due,
        new_sort_risk)
    SELECT generation, NEW.item_id, NEW.status, NEW.kind, NEW.stage,
           NEW.risk_rank, NEW.sort_priority, NEW.sort_due_missing, NEW.sort_due, NEW.sort_risk
      FROM assignment_order_generation WHERE id = 1;
    DELETE FROM assignment_order_changes
     WHERE generation <= (SELECT generation FROM assignment_order_generation WHERE id = 1) - 512;
END;

CREATE TRIGGER assignment_order_on_delete AFTER DELETE ON assignments
BEGIN
    UPDATE assignment_order_generation SET generation = generation + 1 WHERE id = 1;
    INSERT INTO assignment_order_changes (generation, old_item_id, old_status,
        old_kind, old_stage, old_risk_rank, old_sort_priority, old_sort_due_missing, old_sort_due,
        old_sort_risk)
    SELECT generation, OLD.item_id, OLD.status, OLD.kind, OLD.stage,
           OLD.risk_rank, OLD.sort_priority, OLD.sort_due_missing, OLD.sort_due, OLD.sort_risk
      FROM assignment_order_generation WHERE id = 1;
    DELETE FROM assignment_order_changes
     WHERE generation <= (SELECT generation FROM assignment_order_generation WHERE id = 1) - 512;
END;

CREATE TRIGGER assignment_order_on_update
AFTER UPDATE OF item_id, priority, due_at, risk_rank, status, kind, stage ON assignments
WHEN OLD.item_id IS NOT NEW.item_id OR OLD.priority IS NOT NEW.priority OR OLD.due_at IS NOT NEW.due_at
    OR OLD.risk_rank IS NOT NEW.risk_rank OR OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind
    OR OLD.stage IS NOT NEW.stage
BEGIN
    UPDATE assignment_order_generation SET generation = generation + 1 WHERE id = 1;
    INSERT INTO assignment_order_changes (generation,
        old_item_id, old_status, old_kind, old_stage, old_risk_rank, old_sort_priority,
        old_sort_due_missing, old_sort_due, old_sort_risk,
        new_item_id, new_status, new_kind, new_stage, new_risk_rank, new_sort_priority,
        new_sort_due_missing, new_sort_due, new_sort_risk)
    SELECT generation,
           OLD.item_id, OLD.status, OLD.kind, OLD.stage, OLD.risk_rank, OLD.sort_priority,
           OLD.sort_due_missing, OLD.sort_due, OLD.sort_risk,
           NEW.item_id, NEW.status, NEW.kind, NEW.stage, NEW.risk_rank, NEW.sort_priority,
           NEW.sort_due_missing, NEW.sort_due, NEW.sort_risk
      FROM assignment_order_generation WHERE id = 1;
    DELETE FROM assignment_order_changes
     WHERE generation <= (SELECT generation FROM assignment_order_generation WHERE id = 1) - 512;
END;
