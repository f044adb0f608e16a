-- Full-text search over the local cache (src/search.rs parses the user's text; store/search.rs runs it).
-- Indexed per assignment: its title; the string and number leaves of its payload and of the AI's output
-- and reasoning; and the reviewer's own notes held here (the draft's, and every recorded decision's).
-- Kept current through search_stale (below): every write that changes any of these (a pull, a decision,
-- an undo, a draft, a removal) marks its item in its own transaction; rows already cached are indexed
-- here.

-- The one definition of what is indexed for an item. \x01 and \x02 mark matches in highlight() and
-- snippet() (src/search.rs: MATCH_START, MATCH_END), so they are never indexed.
CREATE VIEW search_source AS
SELECT a.item_id,
       replace(replace(a.title, char(1), ' '), char(2), ' ') AS title_text,
       replace(replace(COALESCE((
           SELECT group_concat(value, ' ') FROM (
               SELECT value FROM json_tree(a.item_json, '$.payload')
                   WHERE type IN ('text', 'integer', 'real')
               UNION ALL
               SELECT value FROM json_tree(a.item_json, '$.ai.output')
                   WHERE type IN ('text', 'integer', 'real')
               UNION ALL
               SELECT value FROM json_tree(a.item_json, '$.ai.reasoning')
                   WHERE type IN ('text', 'integer', 'real'))), ''), char(1), ' '), char(2), ' ') AS body_text,
       replace(replace(COALESCE((
           SELECT group_concat(note, ' ') FROM (
               SELECT note FROM drafts WHERE drafts.item_id = a.item_id AND note IS NOT NULL
               UNION ALL
               SELECT note FROM outbox WHERE outbox.item_id = a.item_id AND note IS NOT NULL)), ''),
           char(1), ' '), char(2), ' ') AS notes_text
FROM assignments a;

-- The index's row id per assignment (assignments has a text key; its implicit rowid is not stable
-- across VACUUM).
CREATE TABLE search_rows (
    id       INTEGER PRIMARY KEY,
    item_id  TEXT NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE search_index USING fts5(
    title_text, body_text, notes_text,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO search_rows (item_id) SELECT item_id FROM assignments;
INSERT INTO search_index (rowid, title_text, body_text, notes_text)
    SELECT r.id, s.title_text, s.body_text, s.notes_text
    FROM search_source s JOIN search_rows r ON r.item_id = s.item_id;

-- Re-indexing, written once and set-based: every trigger below only names the item it touched in
-- search_stale (one small insert, no JSON or full-text work inside the writer's transaction: a pull of
-- 10,000 assignments stays near a plain insert, README.md Benchmarks). The store indexes every stale
-- item in one statement (store/search.rs, `Store::index_stale`): the sync engine right after a pull,
-- and every search before it reads, so a search never misses a write nor shows a stale row.
-- (Triggers skip an item already marked with NOT EXISTS, not INSERT OR IGNORE: the conflict policy of
-- the statement firing a trigger overrides the trigger's own, so a pull's upsert would fail.)
CREATE TABLE search_stale (
    item_id  TEXT PRIMARY KEY
);

CREATE TRIGGER search_on_assignment_insert AFTER INSERT ON assignments
BEGIN
    INSERT INTO search_rows (item_id) SELECT NEW.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_rows WHERE item_id = NEW.item_id);
    INSERT INTO search_stale (item_id) SELECT NEW.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = NEW.item_id);
END;

CREATE TRIGGER search_on_assignment_update AFTER UPDATE OF title, item_json ON assignments
BEGIN
    INSERT INTO search_stale (item_id) SELECT NEW.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = NEW.item_id);
END;

CREATE TRIGGER search_on_assignment_delete AFTER DELETE ON assignments
BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_rows WHERE item_id = OLD.item_id);
    DELETE FROM search_rows WHERE item_id = OLD.item_id;
    DELETE FROM search_stale WHERE item_id = OLD.item_id;
END;

-- Notes: the draft's, and each recorded decision's (a decision deletes the draft; an undo deletes the
-- decision).
CREATE TRIGGER search_on_draft_insert AFTER INSERT ON drafts
BEGIN
    INSERT INTO search_stale (item_id) SELECT NEW.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = NEW.item_id);
END;

CREATE TRIGGER search_on_draft_update AFTER UPDATE OF note ON drafts
BEGIN
    INSERT INTO search_stale (item_id) SELECT NEW.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = NEW.item_id);
END;

CREATE TRIGGER search_on_draft_delete AFTER DELETE ON drafts
BEGIN
    INSERT INTO search_stale (item_id) SELECT OLD.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = OLD.item_id);
END;

CREATE TRIGGER search_on_decision_insert AFTER INSERT ON outbox
BEGIN
    INSERT INTO search_stale (item_id) SELECT NEW.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = NEW.item_id);
END;

CREATE TRIGGER search_on_decision_delete AFTER DELETE ON outbox
BEGIN
    INSERT INTO search_stale (item_id) SELECT OLD.item_id
        WHERE NOT EXISTS (SELECT 1 FROM search_stale WHERE item_id = OLD.item_id);
END;
