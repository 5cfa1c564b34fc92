-- roster schema, PostgreSQL. {p} is the table prefix. Times are
-- microseconds since the Unix epoch, UTC; permission sets are comma-joined
-- permission names; parties and states are JSON.
CREATE TABLE {p}orgs (
	id            UUID PRIMARY KEY,
	name          TEXT NOT NULL,
	seat_limit    INTEGER NOT NULL,
	pending_owner UUID NOT NULL,
	created       BIGINT NOT NULL,
	updated       BIGINT NOT NULL,
	deleted       BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE {p}members (
	id       UUID PRIMARY KEY,
	org      UUID NOT NULL REFERENCES {p}orgs (id),
	user_id  TEXT NOT NULL,
	email    TEXT NOT NULL,
	name     TEXT NOT NULL,
	role     TEXT NOT NULL,
	allow    TEXT NOT NULL,
	deny     TEXT NOT NULL,
	scopes   TEXT NOT NULL,
	status   SMALLINT NOT NULL,
	kind     SMALLINT NOT NULL,
	is_owner SMALLINT NOT NULL,
	profile  TEXT NOT NULL,
	created  BIGINT NOT NULL,
	updated  BIGINT NOT NULL,
	UNIQUE (org, user_id),
	UNIQUE (org, email)
);
-- One owner per organisation, whatever the rules do.
CREATE UNIQUE INDEX {p}members_one_owner ON {p}members (org) WHERE is_owner = 1;
CREATE INDEX {p}members_user ON {p}members (user_id);
CREATE TABLE {p}roles (
	org     UUID NOT NULL REFERENCES {p}orgs (id),
	name    TEXT NOT NULL,
	label   TEXT NOT NULL,
	perms   TEXT NOT NULL,
	created BIGINT NOT NULL,
	updated BIGINT NOT NULL,
	PRIMARY KEY (org, name)
);
CREATE TABLE {p}api_keys (
	id      UUID PRIMARY KEY,
	org     UUID NOT NULL REFERENCES {p}orgs (id),
	member_id UUID NOT NULL REFERENCES {p}members (id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	prefix  TEXT NOT NULL,
	hash    BYTEA NOT NULL UNIQUE,
	created BIGINT NOT NULL
);
CREATE INDEX {p}api_keys_member ON {p}api_keys (member_id);
CREATE TABLE {p}events (
	org     UUID NOT NULL,
	seq     BIGINT NOT NULL,
	id      UUID NOT NULL,
	at      BIGINT NOT NULL,
	action  TEXT NOT NULL,
	actor   TEXT NOT NULL,
	target  TEXT NOT NULL,
	object  UUID NOT NULL,
	before_state TEXT NOT NULL,
	after_state TEXT NOT NULL,
	PRIMARY KEY (org, seq)
);
CREATE TABLE {p}invitations (
	id         UUID PRIMARY KEY,
	org        UUID NOT NULL REFERENCES {p}orgs (id),
	kind       SMALLINT NOT NULL,
	email      TEXT NOT NULL,
	role       TEXT NOT NULL,
	allow      TEXT NOT NULL,
	deny       TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	profile    TEXT NOT NULL,
	invited_by TEXT NOT NULL,
	status     SMALLINT NOT NULL,
	token_hash BYTEA NOT NULL UNIQUE,
	sealed     BYTEA,
	ttl        BIGINT NOT NULL,
	sent       BIGINT NOT NULL,
	expires    BIGINT NOT NULL,
	resends    INTEGER NOT NULL,
	joined     UUID NOT NULL,
	created    BIGINT NOT NULL,
	updated    BIGINT NOT NULL
);
-- At most one pending invitation per organisation, kind and e-mail.
CREATE UNIQUE INDEX {p}invitations_one_pending ON {p}invitations (org, kind, email) WHERE status = 1;
CREATE INDEX {p}invitations_org ON {p}invitations (org, id);
CREATE TABLE {p}requests (
	id         UUID PRIMARY KEY,
	org        UUID NOT NULL REFERENCES {p}orgs (id),
	user_id    TEXT NOT NULL,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL,
	perms      TEXT NOT NULL,
	message    TEXT NOT NULL,
	member_id  UUID NOT NULL,
	status     SMALLINT NOT NULL,
	granted    TEXT NOT NULL,
	decided_by TEXT NOT NULL,
	created    BIGINT NOT NULL,
	updated    BIGINT NOT NULL
);
CREATE UNIQUE INDEX {p}requests_one_open ON {p}requests (org, user_id) WHERE status = 1;
CREATE INDEX {p}requests_org ON {p}requests (org, id);
CREATE TABLE {p}codes (
	org          UUID PRIMARY KEY REFERENCES {p}orgs (id),
	hash         TEXT NOT NULL,
	failures     INTEGER NOT NULL,
	locked_until BIGINT NOT NULL,
	updated      BIGINT NOT NULL
);
CREATE TABLE {p}partners (
	id         UUID PRIMARY KEY,
	org        UUID NOT NULL REFERENCES {p}orgs (id),
	partner    UUID NOT NULL REFERENCES {p}orgs (id),
	level      TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	status     SMALLINT NOT NULL,
	invitation UUID NOT NULL,
	created    BIGINT NOT NULL,
	updated    BIGINT NOT NULL,
	UNIQUE (org, partner)
);
CREATE INDEX {p}partners_partner ON {p}partners (partner);
