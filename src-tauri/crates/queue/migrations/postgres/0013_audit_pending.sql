-- Entries recorded by a change's transaction and not yet chained: the sealer chains them in `id`
-- order under the head row's lock, so changes no longer queue on that lock
-- (docs/protocol.md, "Recording and sealing").
CREATE TABLE audit_pending (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    item_id TEXT,
    data    TEXT NOT NULL
);
