-- The reviewer's saved views (src/views.rs): a name and the filter it lists, kept across restarts. The
-- builtin views are not stored (they follow the signed-in role).
CREATE TABLE saved_views (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    filter_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
