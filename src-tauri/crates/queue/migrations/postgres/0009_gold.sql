-- Issue 11: gold items (docs/protocol.md, "Gold items"). An admin's item with a known answer is kept
-- here, apart from real work; each time it is served, one reviewer gets a copy of it in `items`
-- (`gold_id` set), which nothing sends to a producer, a webhook or the feedback export.
-- Times are microseconds since the Unix epoch (UTC); JSON is stored as text.
CREATE TABLE gold_items (
    id          TEXT PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    -- The team and audience its routing gives it: gold is served within that team only.
    team        TEXT NOT NULL REFERENCES teams (name),
    audience    TEXT NOT NULL,
    -- The producer the copies appear to come from.
    as_producer TEXT NOT NULL REFERENCES users (name),
    -- The submission (a NewItem without `gold`), as JSON.
    item        TEXT NOT NULL,
    expected    TEXT NOT NULL,
    reason_code TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX gold_items_by_team ON gold_items (team, created_at);

-- A served copy: its gold item, the one reviewer it is for (only they are ever granted it), and the
-- external id that reviewer sees (the stored `external_id` is a private, unique `gold:` one, so a
-- producer's own ids never meet a copy's).
ALTER TABLE items ADD COLUMN gold_id TEXT;
ALTER TABLE items ADD COLUMN gold_for TEXT;
ALTER TABLE items ADD COLUMN gold_external_id TEXT;

-- Each gold item is served to a given user at most once.
CREATE TABLE gold_serves (
    gold_id   TEXT NOT NULL REFERENCES gold_items (id),
    user_name TEXT NOT NULL REFERENCES users (name),
    item_id   TEXT NOT NULL REFERENCES items (id),
    served_at BIGINT NOT NULL,
    PRIMARY KEY (gold_id, user_name)
);

-- How many real grants of a team each user has had: the draw number of the next one.
CREATE TABLE gold_draws (
    user_name TEXT NOT NULL REFERENCES users (name),
    team      TEXT NOT NULL REFERENCES teams (name),
    draws     BIGINT NOT NULL,
    PRIMARY KEY (user_name, team)
);

-- One scored answer per served copy.
CREATE TABLE gold_answers (
    item_id     TEXT PRIMARY KEY REFERENCES items (id),
    gold_id     TEXT NOT NULL REFERENCES gold_items (id),
    user_name   TEXT NOT NULL REFERENCES users (name),
    kind        TEXT NOT NULL,
    team        TEXT NOT NULL,
    expected    TEXT NOT NULL,
    action      TEXT NOT NULL,
    reason_code TEXT,
    result      TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX gold_answers_by_user_kind ON gold_answers (user_name, kind);

-- Users whose gold accuracy on a kind is below their team's `min_gold_accuracy`: no high-risk item
-- of that kind is granted to them until they recover.
CREATE TABLE gold_low_accuracy (
    user_name TEXT NOT NULL REFERENCES users (name),
    kind      TEXT NOT NULL,
    team      TEXT NOT NULL,
    since     BIGINT NOT NULL,
    PRIMARY KEY (user_name, kind)
);
