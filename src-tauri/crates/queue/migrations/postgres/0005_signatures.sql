-- Issue 10: electronic signatures (docs/protocol.md, "Signatures"). Times are microseconds since
-- the Unix epoch (UTC).

-- The name a signature prints (admin-set; NULL: the login name). The signing PIN only as an argon2id
-- PHC string; wrong PINs in a row; when signing was locked after too many (NULL: not locked).
ALTER TABLE users ADD COLUMN full_name TEXT;
ALTER TABLE users ADD COLUMN signing_pin_hash TEXT;
ALTER TABLE users ADD COLUMN signing_pin_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN signing_locked_at BIGINT;

-- One Ed25519 public key per signing device; key_id is the hex SHA-256 of its 32 bytes.
CREATE TABLE signing_keys (
    key_id     TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name),
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX signing_keys_by_user ON signing_keys (user_name);

-- The routing rule's signature requirement: its meaning (NULL: none) and signers' team.
ALTER TABLE items ADD COLUMN signature_meaning TEXT;
ALTER TABLE items ADD COLUMN signers_team TEXT;

-- A signed decision's manifest, as JSON (NULL: unsigned).
ALTER TABLE decisions ADD COLUMN signature TEXT;
