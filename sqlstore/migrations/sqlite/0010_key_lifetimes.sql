-- API keys that integrations can live with (#18): a key may be limited to
-- some permissions (by name, as a member's are; '' limits nothing), expires
-- (0: a key issued before keys expired, which never does), records when it
-- was last used, and may belong to no member (an organisation's service
-- key, member_id NULL). The organisation's keys are listed through
-- api_keys_org_member (its service keys in ID order).
--
-- SQLite makes a column nullable only by rebuilding the table; no other
-- table refers to api_keys.
CREATE TABLE {p}api_keys_new (
	id      BLOB PRIMARY KEY,
	org     BLOB NOT NULL REFERENCES {p}orgs (id),
	member_id BLOB REFERENCES {p}members (id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	prefix  TEXT NOT NULL,
	hash    BLOB NOT NULL UNIQUE,
	created BIGINT NOT NULL,
	perms   TEXT NOT NULL DEFAULT '',
	expires BIGINT NOT NULL DEFAULT 0,
	last_used BIGINT NOT NULL DEFAULT 0
);
INSERT INTO {p}api_keys_new (id, org, member_id, name, prefix, hash, created)
	SELECT id, org, member_id, name, prefix, hash, created FROM {p}api_keys;
DROP TABLE {p}api_keys;
ALTER TABLE {p}api_keys_new RENAME TO {p}api_keys;
CREATE INDEX {p}api_keys_member ON {p}api_keys (member_id, id);
CREATE INDEX {p}api_keys_org_member ON {p}api_keys (org, member_id, id);
-- The rebuild dropped 0008's index, by which Store.Purge removes a
-- deleted organisation's keys.
CREATE INDEX {p}api_keys_org ON {p}api_keys (org, id);
