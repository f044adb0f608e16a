-- The reviewer's local replica. Times are RFC 3339 UTC text with a fixed width (microseconds, "Z"),
-- so text order is time order; ids are UUID text.

-- One row: who this installation is and how far it has synced.
CREATE TABLE sync_state (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    client_id               TEXT NOT NULL,
    -- The server this data directory syncs with; a client id is meaningless on another server.
    server_url              TEXT,
    cursor                  TEXT,
    -- The id the next mutation sent will get. Allocated when a decision is first sent, never when it is
    -- made, so that undoing an unsent decision never leaves a gap (the server stops at the first gap).
    next_mutation_id        INTEGER NOT NULL DEFAULT 1 CHECK (next_mutation_id >= 1),
    last_acked_mutation_id  INTEGER NOT NULL DEFAULT 0 CHECK (last_acked_mutation_id >= 0),
    last_sync               TEXT,
    online                  INTEGER NOT NULL DEFAULT 0,
    last_error              TEXT,
    notification_status     TEXT
);

-- What the server has leased to this reviewer, with the item as last pulled.
CREATE TABLE assignments (
    item_id           TEXT PRIMARY KEY,
    item_json         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    stage             TEXT NOT NULL CHECK (stage IN ('review', 'escalation', 'second_approval')),
    priority          INTEGER NOT NULL,
    risk              TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high', 'critical')),
    -- risk as a number so that "riskiest first" is an index scan, not a CASE per row.
    risk_rank         INTEGER NOT NULL,
    confidence        REAL NOT NULL,
    due_at            TEXT,
    -- open: nothing decided; decided: a decision waits to upload; uploaded: the server applied it;
    -- conflict: the server kept it only as a late opinion; rejected: the server refused it (see status_message).
    status            TEXT NOT NULL CHECK (status IN ('open', 'decided', 'uploaded', 'conflict', 'rejected')),
    status_message    TEXT,
    lease_id          TEXT NOT NULL,
    lease_epoch       INTEGER NOT NULL,
    lease_expires_at  TEXT NOT NULL,
    -- Set when the server took the item away while a decision on it was still unsent: the row stays
    -- until that decision's result is known.
    removed_reason    TEXT,
    pulled_at         TEXT NOT NULL
);
CREATE INDEX assignments_by_status_priority ON assignments (status, priority DESC, due_at);
CREATE INDEX assignments_by_due ON assignments (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX assignments_by_kind ON assignments (kind, status);
CREATE INDEX assignments_by_stage ON assignments (stage, status);
CREATE INDEX assignments_by_risk ON assignments (risk_rank DESC, priority DESC);

-- Work in progress on a decision, autosaved by the UI.
CREATE TABLE drafts (
    item_id      TEXT PRIMARY KEY REFERENCES assignments (item_id) ON DELETE CASCADE,
    action       TEXT,
    correction   TEXT,
    reason_code  TEXT,
    note         TEXT,
    attestation  TEXT,
    updated_at   TEXT NOT NULL
);

-- Decisions on their way to the server, and their results once known.
CREATE TABLE outbox (
    -- Local order of decisions; mutation ids are handed out in this order.
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id     INTEGER UNIQUE,
    decision_id     TEXT NOT NULL UNIQUE,
    item_id         TEXT NOT NULL,
    lease_id        TEXT NOT NULL,
    lease_epoch     INTEGER NOT NULL,
    action          TEXT NOT NULL,
    correction      TEXT,
    reason_code     TEXT,
    note            TEXT,
    attestation     TEXT,
    client_time     TEXT NOT NULL,
    -- pending: not sent, no id yet, can be undone; in_flight: has an id and may have reached the
    -- server, resent under the same id until acknowledged; done: the server's result is recorded.
    state           TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'done')),
    result_status   TEXT CHECK (result_status IN ('applied', 'conflict', 'rejected')),
    result_code     TEXT,
    result_message  TEXT,
    acked_at        TEXT,
    CHECK ((state = 'pending') = (mutation_id IS NULL)),
    CHECK ((state = 'done') = (result_status IS NOT NULL))
);
CREATE INDEX outbox_by_state ON outbox (state, seq);
-- At most one unacknowledged decision per item.
CREATE UNIQUE INDEX outbox_one_unacked_per_item ON outbox (item_id) WHERE state <> 'done';

-- Decisions the server did not apply because the item moved on; both sides kept for the reviewer.
CREATE TABLE conflicts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id         TEXT NOT NULL,
    decision_id     TEXT NOT NULL UNIQUE,
    mutation_id     INTEGER NOT NULL,
    code            TEXT NOT NULL,
    message         TEXT NOT NULL,
    -- JSON: the mutation as sent.
    local_version   TEXT NOT NULL,
    -- JSON: the item as last pulled, plus the server's verdict.
    server_version  TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    resolved_at     TEXT
);
CREATE INDEX conflicts_unresolved ON conflicts (created_at) WHERE resolved_at IS NULL;

-- What this reviewer did, append only: survives undo, upload and removal of the assignment.
CREATE TABLE decisions_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id  TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    event        TEXT NOT NULL CHECK (event IN ('decided', 'undone', 'applied', 'conflict', 'rejected')),
    action       TEXT NOT NULL,
    detail       TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX decisions_log_by_item ON decisions_log (item_id, id);

-- Notifications already raised, so each reason is raised once per item, across restarts.
CREATE TABLE notifications_sent (
    item_id  TEXT NOT NULL,
    reason   TEXT NOT NULL,
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (item_id, reason)
);
