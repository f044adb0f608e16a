-- The inbox over a large cache (100,000 assignments). Before this, every page sorted the whole table
-- and counted it twice (its filtered total, the open work per stage): 0.5 to 2 s a page.

-- One index per sort order, in exactly that order (store.rs names it with INDEXED BY), carrying the
-- filter columns after the sort key: a page walks its index, filters there, and reads only the rows
-- it shows.
DROP INDEX assignments_by_status_priority;
DROP INDEX assignments_by_due;
DROP INDEX assignments_by_kind;
DROP INDEX assignments_by_stage;
DROP INDEX assignments_by_risk;

-- ORDER BY priority DESC, due_at IS NULL, due_at, item_id
CREATE INDEX assignments_page_by_priority
    ON assignments (priority DESC, due_at IS NULL, due_at, item_id, status, kind, stage, risk_rank);
-- ORDER BY due_at IS NULL, due_at, priority DESC, item_id
CREATE INDEX assignments_page_by_due
    ON assignments (due_at IS NULL, due_at, priority DESC, item_id, status, kind, stage, risk_rank);
-- ORDER BY risk_rank DESC, priority DESC, item_id
CREATE INDEX assignments_page_by_risk
    ON assignments (risk_rank DESC, priority DESC, item_id, status, kind, stage);

-- How many assignments there are per combination of the filter columns, kept by triggers in the same
-- transaction as every change: any filtered total, and the open work per stage, is a sum over a few
-- rows here instead of a count over the cache. No constraint on n: these numbers are for display and
-- must never be able to refuse a write (a decision in particular).
CREATE TABLE assignment_counts (
    status     TEXT NOT NULL,
    stage      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    risk_rank  INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (status, stage, kind, risk_rank)
) WITHOUT ROWID;

INSERT INTO assignment_counts (status, stage, kind, risk_rank, n)
    SELECT status, stage, kind, risk_rank, COUNT(*) FROM assignments GROUP BY status, stage, kind, risk_rank;

CREATE TRIGGER assignment_counts_on_insert AFTER INSERT ON assignments
BEGIN
    INSERT INTO assignment_counts (status, stage, kind, risk_rank, n)
        VALUES (NEW.status, NEW.stage, NEW.kind, NEW.risk_rank, 1)
        ON CONFLICT (status, stage, kind, risk_rank) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER assignment_counts_on_delete AFTER DELETE ON assignments
BEGIN
    UPDATE assignment_counts SET n = n - 1
        WHERE status = OLD.status AND stage = OLD.stage AND kind = OLD.kind AND risk_rank = OLD.risk_rank;
END;

CREATE TRIGGER assignment_counts_on_update AFTER UPDATE OF status, stage, kind, risk_rank ON assignments
WHEN OLD.status IS NOT NEW.status OR OLD.stage IS NOT NEW.stage
    OR OLD.kind IS NOT NEW.kind OR OLD.risk_rank IS NOT NEW.risk_rank
BEGIN
    UPDATE assignment_counts SET n = n - 1
        WHERE status = OLD.status AND stage = OLD.stage AND kind = OLD.kind AND risk_rank = OLD.risk_rank;
    INSERT INTO assignment_counts (status, stage, kind, risk_rank, n)
        VALUES (NEW.status, NEW.stage, NEW.kind, NEW.risk_rank, 1)
        ON CONFLICT (status, stage, kind, risk_rank) DO UPDATE SET n = n + 1;
END;
