-- Issue 11: blind first read (docs/protocol.md, "Blind first read"). Whether the item's routing rule
-- makes its reviewers give their own verdict before the AI's proposal is shown (0 or 1), and with
-- each decision the reviewer's blind judgement: verdict ('approve' or 'reject'; NULL: none),
-- confidence 1 to 5, optional note, and when it was recorded (microseconds since the Unix epoch).
ALTER TABLE items ADD COLUMN blind BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN blind_verdict TEXT;
ALTER TABLE decisions ADD COLUMN blind_confidence BIGINT;
ALTER TABLE decisions ADD COLUMN blind_note TEXT;
ALTER TABLE decisions ADD COLUMN blind_recorded_at BIGINT;
