-- Issue 11: blind first read (docs/protocol.md, "Blind first read"). The reviewer's own verdict on a
-- held item read blind first, recorded before the AI's proposal is shown (a BlindJudgement as JSON):
-- its presence is what reveals the proposal, so the reveal survives a restart, and a decision on the
-- item takes it into the outbox, to be sent with the decision.
CREATE TABLE blind_reads (
    item_id   TEXT PRIMARY KEY,
    judgement TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN blind_judgement TEXT;
