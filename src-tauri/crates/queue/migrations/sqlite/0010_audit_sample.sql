-- Issue 11: audited auto-approvals and shadow rules (docs/protocol.md, "Audited auto-approvals and
-- thresholds"). Times are microseconds since the Unix epoch (UTC).

-- One row per auto-approved item the audit draw chose: the rule that auto-approved it, and once a
-- person audited it their verdict (`approve`: the AI was right; `reject` with a reason code: it
-- was wrong). The verdict never changes the item's outcome and is not one of its decisions.
CREATE TABLE audit_samples (
    item_id     TEXT PRIMARY KEY REFERENCES items (id),
    rule        TEXT NOT NULL,
    sampled_at  BIGINT NOT NULL,
    verdict     TEXT,
    reason_code TEXT,
    note        TEXT,
    by_user     TEXT,
    decided_at  BIGINT
);

-- What each shadow rule would have routed, beside the live route (docs/protocol.md, "Shadow
-- rules"): one row per item and shadow rule that would have decided it.
CREATE TABLE shadow_routes (
    item_id    TEXT NOT NULL REFERENCES items (id),
    rule       TEXT NOT NULL,
    route      TEXT NOT NULL,
    live_route TEXT NOT NULL,
    live_rule  TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (item_id, rule)
);

-- An item is open work while it has a stage: a pending review stage, or the audit of an
-- auto-approved item (whose status stays auto_approved). Claims walk this index.
DROP INDEX items_claimable;
CREATE INDEX items_claimable ON items (audience, priority DESC, due_at, created_at)
    WHERE stage IS NOT NULL AND holder IS NULL;
