-- The change feed. An event's position is given after its unit of work
-- committed, by whoever reads the feed next (feed.go): until then pos is
-- NULL. feed holds the last position given and the horizon of pruning;
-- cursors, the durable cursors of the feed's consumers. Events written
-- before this migration enter the feed at its first read. The ALTER comes
-- last: MySQL commits each DDL statement on its own, and the others can
-- run twice.
CREATE TABLE IF NOT EXISTS {p}feed (
	id      INTEGER PRIMARY KEY,
	placed  BIGINT NOT NULL,
	horizon BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO {p}feed (id, placed, horizon) VALUES (1, 0, 0);
CREATE TABLE IF NOT EXISTS {p}cursors (
	name    VARBINARY(800) NOT NULL PRIMARY KEY, -- binary: names that differ by trailing spaces differ
	pos     BIGINT NOT NULL,
	updated BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
ALTER TABLE {p}events ADD COLUMN pos BIGINT NULL, ADD INDEX {p}events_pos (pos, org, seq);
