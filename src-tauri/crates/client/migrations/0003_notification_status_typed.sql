-- sync_state.notification_status now holds the JSON of a typed status ({"state": "working"} or
-- {"state": "not_working", "reason": "..."}) instead of a display line. The old line is dropped, not
-- translated: it reads as "not checked yet" until the next check, which every start and every
-- notification makes.
UPDATE sync_state SET notification_status = NULL;
