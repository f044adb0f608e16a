-- An item's story as the server last told it (GET /v1/items/{id}/history, docs/protocol.md "Item
-- history"), kept for held items so the timeline opens offline; it goes with the assignment.
CREATE TABLE item_history (
    item_id       TEXT PRIMARY KEY REFERENCES assignments (item_id) ON DELETE CASCADE,
    history_json  TEXT NOT NULL,
    fetched_at    TEXT NOT NULL
);
