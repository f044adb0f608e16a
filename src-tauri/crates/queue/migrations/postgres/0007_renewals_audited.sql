-- Issue 10: lease renewals in the item's story (docs/protocol.md, "Item history"). Every pull renews
-- every held lease, so a renewal is audited only when the holder's last audited renewal of the
-- current lease is older than half a lease term (or there is none): when it was last audited, in
-- microseconds since the Unix epoch; a grant clears it.
ALTER TABLE items ADD COLUMN renewal_audited_at BIGINT;
