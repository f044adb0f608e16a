-- Items the reviewer has opened (the app's detail view, `countersign-cli show`) that the next pull has
-- not yet reported to the server in `opened`: the server renews an unopened lease only
-- `max_unopened_renewals` times (docs/protocol.md, "Pull"). Kept on disk so an opening is reported
-- even when the process that saw it stops before the next pull, or another process pulls.
CREATE TABLE opened_unreported (
    item_id  TEXT PRIMARY KEY
);
