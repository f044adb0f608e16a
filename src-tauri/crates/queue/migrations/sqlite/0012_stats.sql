-- Issue 11: the statistics endpoints and the /metrics totals (docs/protocol.md, "Statistics
-- endpoints") read decisions by the time they were recorded (a window of days).
CREATE INDEX decisions_by_time ON decisions (at);
