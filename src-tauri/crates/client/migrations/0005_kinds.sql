-- Kinds as data (docs/protocol.md, "Kinds"): the server's registered kinds as last fetched, so an item
-- renders from its kind's hints and a reject is checked against its reason codes offline.
CREATE TABLE kinds (
    kind       TEXT PRIMARY KEY,
    revision   INTEGER NOT NULL,
    -- The KindDefinition as the server sent it (JSON).
    definition TEXT NOT NULL
);

-- Kinds of pulled items that the server's last list did not register: no need to ask again for them
-- until the next refresh.
CREATE TABLE kinds_unregistered (
    kind TEXT PRIMARY KEY
);

-- When the list was last fetched (RFC 3339), in one row.
CREATE TABLE kinds_fetched (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    fetched_at TEXT NOT NULL
);
