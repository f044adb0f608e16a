-- An item's story as the server last told it (GET /v1/items/{id}/history, docs/protocol.md "Item
-- history"), kept for held items so the timeline opens offline; it goes with the assignment.
CREATE TABLE item_history (
    item_id       TEXT PRIMARY KEY REFERENCES assignments (item_id) ON DELETE CASCADE,
    history_json  TEXT NOT NULL,
    fetched_at    TEXT NOT NULL
);

-- Comments share the outbox with decisions (docs/protocol.md, "Comments"): still one unsent decision
-- per item, but any number of comments beside it.
DROP INDEX outbox_one_unacked_per_item;
CREATE UNIQUE INDEX outbox_one_unacked_decision_per_item ON outbox (item_id)
    WHERE state <> 'done' AND action <> 'comment';
