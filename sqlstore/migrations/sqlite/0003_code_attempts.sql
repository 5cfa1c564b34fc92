-- Wrong access codes are counted per requester (organisation, user): one
-- requester's misses lock out only itself. The organisation's count in
-- {p}codes.failures now counts every requester's wrong codes since the code
-- was set, against the code's budget; {p}codes.locked_until is no longer
-- written and is kept for the databases that have it.
CREATE TABLE {p}code_attempts (
	org          BLOB NOT NULL REFERENCES {p}orgs (id),
	user_id      TEXT NOT NULL,
	failures     INTEGER NOT NULL,
	locked_until BIGINT NOT NULL,
	updated      BIGINT NOT NULL,
	PRIMARY KEY (org, user_id)
) WITHOUT ROWID;
