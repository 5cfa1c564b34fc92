-- Members and events are stored in the order they are read: a member by
-- (organisation, user), which is the request path's lookup, in one b-tree
-- descent instead of an index's and then the table's; an event by
-- (organisation, seq). Each member written also feeds one b-tree fewer.
--
-- SQLite changes a primary key only by rebuilding the table. The migration
-- runs in a transaction, where foreign keys cannot be turned off, and
-- dropping members would cascade to their API keys: the keys are set aside
-- first and restored after.
CREATE TABLE {p}api_keys_keep AS SELECT id, org, member_id, name, prefix, hash, created FROM {p}api_keys;
DROP TABLE {p}api_keys;
CREATE TABLE {p}members_new (
	id       BLOB NOT NULL UNIQUE,
	org      BLOB NOT NULL REFERENCES {p}orgs (id),
	user_id  TEXT NOT NULL,
	email    TEXT NOT NULL,
	name     TEXT NOT NULL,
	role     TEXT NOT NULL,
	allow    TEXT NOT NULL,
	deny     TEXT NOT NULL,
	scopes   TEXT NOT NULL,
	status   INTEGER NOT NULL,
	kind     INTEGER NOT NULL,
	is_owner INTEGER NOT NULL,
	profile  TEXT NOT NULL,
	created  BIGINT NOT NULL,
	updated  BIGINT NOT NULL,
	PRIMARY KEY (org, user_id),
	UNIQUE (org, email)
) WITHOUT ROWID;
INSERT INTO {p}members_new (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated)
	SELECT id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated FROM {p}members;
DROP TABLE {p}members;
ALTER TABLE {p}members_new RENAME TO {p}members;
-- One owner per organisation, whatever the rules do.
CREATE UNIQUE INDEX {p}members_one_owner ON {p}members (org) WHERE is_owner = 1;
CREATE INDEX {p}members_user ON {p}members (user_id);
CREATE TABLE {p}api_keys (
	id      BLOB PRIMARY KEY,
	org     BLOB NOT NULL REFERENCES {p}orgs (id),
	member_id BLOB NOT NULL REFERENCES {p}members (id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	prefix  TEXT NOT NULL,
	hash    BLOB NOT NULL UNIQUE,
	created BIGINT NOT NULL
);
INSERT INTO {p}api_keys (id, org, member_id, name, prefix, hash, created)
	SELECT id, org, member_id, name, prefix, hash, created FROM {p}api_keys_keep;
DROP TABLE {p}api_keys_keep;
CREATE INDEX {p}api_keys_member ON {p}api_keys (member_id);
CREATE TABLE {p}events_new (
	org     BLOB NOT NULL,
	seq     BIGINT NOT NULL,
	id      BLOB NOT NULL,
	at      BIGINT NOT NULL,
	action  TEXT NOT NULL,
	actor   TEXT NOT NULL,
	target  TEXT NOT NULL,
	object  BLOB NOT NULL,
	before_state TEXT NOT NULL,
	after_state TEXT NOT NULL,
	PRIMARY KEY (org, seq)
) WITHOUT ROWID;
INSERT INTO {p}events_new (org, seq, id, at, action, actor, target, object, before_state, after_state)
	SELECT org, seq, id, at, action, actor, target, object, before_state, after_state FROM {p}events;
DROP TABLE {p}events;
ALTER TABLE {p}events_new RENAME TO {p}events;
