-- The change feed. An event's position is given after its unit of work
-- committed, by whoever reads the feed next (feed.go): until then pos is
-- NULL. feed holds the last position given and the horizon of pruning;
-- cursors, the durable cursors of the feed's consumers. Events written
-- before this migration enter the feed at its first read.
ALTER TABLE {p}events ADD COLUMN pos BIGINT;
CREATE INDEX {p}events_pos ON {p}events (pos, org, seq);
CREATE TABLE {p}feed (
	id      INTEGER PRIMARY KEY,
	placed  BIGINT NOT NULL,
	horizon BIGINT NOT NULL
);
INSERT INTO {p}feed (id, placed, horizon) VALUES (1, 0, 0);
CREATE TABLE {p}cursors (
	name    TEXT NOT NULL PRIMARY KEY,
	pos     BIGINT NOT NULL,
	updated BIGINT NOT NULL
);
