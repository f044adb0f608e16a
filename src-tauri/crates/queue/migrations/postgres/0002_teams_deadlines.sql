-- Issue 9: teams, disabled users and token expiry, deadlines that act, release cool-down,
-- unopened-lease renewal limit. Times are microseconds since the Unix epoch (UTC).
CREATE TABLE teams (
    name       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_teams (
    user_name TEXT NOT NULL REFERENCES users (name),
    team      TEXT NOT NULL REFERENCES teams (name),
    PRIMARY KEY (user_name, team)
);
CREATE INDEX user_teams_by_team ON user_teams (team);

-- 0 or 1.
ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN token_expires_at BIGINT;

-- The routing rule's team (NULL: everyone), warning time and breach action.
ALTER TABLE items ADD COLUMN team TEXT REFERENCES teams (name);
ALTER TABLE items ADD COLUMN warn_at BIGINT;
ALTER TABLE items ADD COLUMN on_breach TEXT;
-- Set once the breach action ran, so it runs once.
ALTER TABLE items ADD COLUMN breached_at BIGINT;
-- Who released the item last and when: the release cool-down.
ALTER TABLE items ADD COLUMN released_by TEXT;
ALTER TABLE items ADD COLUMN released_at BIGINT;
-- Of the current lease: renewals while its client had not reported it opened, and whether it has.
ALTER TABLE items ADD COLUMN unopened_renewals BIGINT NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN opened BIGINT NOT NULL DEFAULT 0;

-- Claims: priority, then the earliest due date, then age.
DROP INDEX items_claimable;
CREATE INDEX items_claimable ON items (audience, priority DESC, due_at, created_at)
    WHERE status = 'pending' AND holder IS NULL;
CREATE INDEX items_breach_due ON items (due_at)
    WHERE status = 'pending' AND on_breach IS NOT NULL AND breached_at IS NULL;
