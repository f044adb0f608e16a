-- Issue 12: kinds as data (docs/protocol.md, "Kinds"). One row per registered kind: its spec
-- (the PUT /v1/kinds/{kind} body, as JSON), growing by one revision at each registration.
-- Times are microseconds since the Unix epoch (UTC).
CREATE TABLE kinds (
    kind       TEXT PRIMARY KEY,
    spec       TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Re-registration counts the queued items of the kind.
CREATE INDEX items_pending_by_kind ON items (kind) WHERE status = 'pending';
