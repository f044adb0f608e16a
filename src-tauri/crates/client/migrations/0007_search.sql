-- Full-text search over the local cache (src/search.rs parses the user's text; store/search.rs runs it).
-- Indexed per assignment: its title; the string and number leaves of its payload and of the AI's output
-- and reasoning; and the reviewer's own notes held here (the draft's, and every recorded decision's).
-- Kept current by triggers, so every write that changes any of these (a pull, a decision, an undo, a
-- draft, a removal) updates the index in its own transaction; rows already cached are indexed below.

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

-- Re-indexing one item, written once: a write to search_stale re-indexes that item (drops its indexed
-- row and indexes it again from search_source: nothing, once the assignment is gone) and leaves
-- search_stale empty again. Every trigger below only names the item it touched.
CREATE TABLE search_stale (
    item_id  TEXT PRIMARY KEY
);

CREATE TRIGGER search_reindex AFTER INSERT ON search_stale
BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_rows WHERE item_id = NEW.item_id);
    INSERT INTO search_index (rowid, title_text, body_text, notes_text)
        SELECT r.id, s.title_text, s.body_text, s.notes_text
        FROM search_source s JOIN search_rows r ON r.item_id = s.item_id WHERE s.item_id = NEW.item_id;
    DELETE FROM search_stale WHERE item_id = NEW.item_id;
END;

CREATE TRIGGER search_on_assignment_insert AFTER INSERT ON assignments
BEGIN
    INSERT OR IGNORE INTO search_rows (item_id) VALUES (NEW.item_id);
    INSERT INTO search_stale (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER search_on_assignment_update AFTER UPDATE OF title, item_json ON assignments
BEGIN
    INSERT INTO search_stale (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER search_on_assignment_delete AFTER DELETE ON assignments
BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT id FROM search_rows WHERE item_id = OLD.item_id);
    DELETE FROM search_rows WHERE item_id = OLD.item_id;
END;

-- Notes: the draft's, and each recorded decision's (a decision deletes the draft; an undo deletes the
-- decision).
CREATE TRIGGER search_on_draft_insert AFTER INSERT ON drafts
BEGIN
    INSERT INTO search_stale (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER search_on_draft_update AFTER UPDATE OF note ON drafts
BEGIN
    INSERT INTO search_stale (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER search_on_draft_delete AFTER DELETE ON drafts
BEGIN
    INSERT INTO search_stale (item_id) VALUES (OLD.item_id);
END;

CREATE TRIGGER search_on_decision_insert AFTER INSERT ON outbox
BEGIN
    INSERT INTO search_stale (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER search_on_decision_delete AFTER DELETE ON outbox
BEGIN
    INSERT INTO search_stale (item_id) VALUES (OLD.item_id);
END;
