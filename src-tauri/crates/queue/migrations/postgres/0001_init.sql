-- Times are microseconds since the Unix epoch (UTC); JSON is stored as text.
CREATE TABLE users (
    name         TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_pull_at BIGINT
);

CREATE TABLE items (
    id                 TEXT PRIMARY KEY,
    producer           TEXT NOT NULL REFERENCES users (name),
    external_id        TEXT NOT NULL,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    payload            TEXT NOT NULL,
    ai                 TEXT NOT NULL,
    priority           BIGINT NOT NULL,
    due_at             BIGINT,
    callback_url       TEXT,
    created_at         BIGINT NOT NULL,
    route              TEXT NOT NULL,
    routing_rule       TEXT NOT NULL,
    approvals_required BIGINT NOT NULL,
    status             TEXT NOT NULL,
    outcome            TEXT,
    -- While pending: the review step and who may take it ('reviewers' or 'seniors').
    stage              TEXT,
    audience           TEXT,
    holder             TEXT REFERENCES users (name),
    lease_id           TEXT,
    epoch              BIGINT NOT NULL DEFAULT 0,
    lease_expires_at   BIGINT,
    first_approver     TEXT,
    first_action       TEXT,
    UNIQUE (producer, external_id)
);
CREATE INDEX items_claimable ON items (audience, priority DESC, created_at)
    WHERE status = 'pending' AND holder IS NULL;
CREATE INDEX items_by_holder ON items (holder) WHERE holder IS NOT NULL;
CREATE INDEX items_lease_expiry ON items (lease_expires_at) WHERE holder IS NOT NULL;
CREATE INDEX items_by_status ON items (status, created_at);

CREATE TABLE decisions (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     TEXT NOT NULL REFERENCES items (id),
    decision_id TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    action      TEXT NOT NULL,
    correction  TEXT,
    reason_code TEXT,
    note        TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX decisions_by_item ON decisions (item_id, seq);

CREATE TABLE leases (
    id         TEXT PRIMARY KEY,
    item_id    TEXT NOT NULL REFERENCES items (id),
    holder     TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    stage      TEXT NOT NULL,
    granted_at BIGINT NOT NULL
);

CREATE TABLE clients (
    id               TEXT PRIMARY KEY,
    owner            TEXT NOT NULL REFERENCES users (name),
    last_mutation_id BIGINT NOT NULL DEFAULT 0,
    pull_generation  BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);

CREATE TABLE mutation_results (
    client_id   TEXT NOT NULL REFERENCES clients (id),
    mutation_id BIGINT NOT NULL,
    decision_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    code        TEXT,
    message     TEXT,
    PRIMARY KEY (client_id, mutation_id)
);

-- What each client was sent, so removals reach it until it confirms them with its cursor.
CREATE TABLE client_items (
    client_id             TEXT NOT NULL REFERENCES clients (id),
    item_id               TEXT NOT NULL REFERENCES items (id),
    removed_reason        TEXT,
    removed_in_generation BIGINT,
    PRIMARY KEY (client_id, item_id)
);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    item_id   TEXT,
    data      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_by_item ON audit_log (item_id, seq);

-- The chain's tip: serialises appends and reveals a truncated log.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE webhook_outbox (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL REFERENCES items (id),
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
