-- roster schema, MySQL and MariaDB. {p} is the table prefix. Times are
-- microseconds since the Unix epoch, UTC; permission sets are comma-joined
-- permission names; parties and states are JSON. Text compares as bytes, as
-- in the other dialects. MySQL has no partial indexes: a generated column
-- that is NULL except where the rule applies carries each of them.
CREATE TABLE IF NOT EXISTS {p}orgs (
	id            BINARY(16) PRIMARY KEY,
	name          VARCHAR(200) NOT NULL,
	seat_limit    INTEGER NOT NULL,
	pending_owner BINARY(16) NOT NULL,
	created       BIGINT NOT NULL,
	updated       BIGINT NOT NULL,
	deleted       BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}members (
	id        BINARY(16) PRIMARY KEY,
	org       BINARY(16) NOT NULL,
	user_id   VARCHAR(200) NOT NULL,
	email     VARCHAR(254) NOT NULL,
	name      VARCHAR(200) NOT NULL,
	role      VARCHAR(64) NOT NULL,
	allow     TEXT NOT NULL,
	deny      TEXT NOT NULL,
	scopes    TEXT NOT NULL,
	status    SMALLINT NOT NULL,
	kind      SMALLINT NOT NULL,
	is_owner  SMALLINT NOT NULL,
	profile   MEDIUMTEXT NOT NULL,
	created   BIGINT NOT NULL,
	updated   BIGINT NOT NULL,
	owner_org BINARY(16) AS (CASE WHEN is_owner = 1 THEN org END) STORED,
	UNIQUE KEY {p}members_org_user (org, user_id),
	UNIQUE KEY {p}members_org_email (org, email),
	UNIQUE KEY {p}members_one_owner (owner_org),
	KEY {p}members_user (user_id),
	FOREIGN KEY (org) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}roles (
	org     BINARY(16) NOT NULL,
	name    VARCHAR(64) NOT NULL,
	label   VARCHAR(200) NOT NULL,
	perms   TEXT NOT NULL,
	created BIGINT NOT NULL,
	updated BIGINT NOT NULL,
	PRIMARY KEY (org, name),
	FOREIGN KEY (org) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}api_keys (
	id      BINARY(16) PRIMARY KEY,
	org     BINARY(16) NOT NULL,
	member_id BINARY(16) NOT NULL,
	name    VARCHAR(200) NOT NULL,
	prefix  VARCHAR(32) NOT NULL,
	hash    BINARY(32) NOT NULL,
	created BIGINT NOT NULL,
	UNIQUE KEY {p}api_keys_hash (hash),
	KEY {p}api_keys_member (member_id),
	FOREIGN KEY (org) REFERENCES {p}orgs (id),
	FOREIGN KEY (member_id) REFERENCES {p}members (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}events (
	org    BINARY(16) NOT NULL,
	seq    BIGINT NOT NULL,
	id     BINARY(16) NOT NULL,
	at     BIGINT NOT NULL,
	action VARCHAR(64) NOT NULL,
	actor  MEDIUMTEXT NOT NULL,
	target MEDIUMTEXT NOT NULL,
	object BINARY(16) NOT NULL,
	before_state MEDIUMTEXT NOT NULL,
	after_state MEDIUMTEXT NOT NULL,
	PRIMARY KEY (org, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}invitations (
	id            BINARY(16) PRIMARY KEY,
	org           BINARY(16) NOT NULL,
	kind          SMALLINT NOT NULL,
	email         VARCHAR(254) NOT NULL,
	role          VARCHAR(64) NOT NULL,
	allow         TEXT NOT NULL,
	deny          TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	profile       MEDIUMTEXT NOT NULL,
	invited_by    MEDIUMTEXT NOT NULL,
	status        SMALLINT NOT NULL,
	token_hash    BINARY(32) NOT NULL,
	sealed        VARBINARY(256),
	ttl           BIGINT NOT NULL,
	sent          BIGINT NOT NULL,
	expires       BIGINT NOT NULL,
	resends       INTEGER NOT NULL,
	joined        BINARY(16) NOT NULL,
	created       BIGINT NOT NULL,
	updated       BIGINT NOT NULL,
	pending_email VARCHAR(254) AS (CASE WHEN status = 1 THEN email END) STORED,
	UNIQUE KEY {p}invitations_hash (token_hash),
	UNIQUE KEY {p}invitations_one_pending (org, kind, pending_email),
	KEY {p}invitations_org (org, id),
	FOREIGN KEY (org) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}requests (
	id         BINARY(16) PRIMARY KEY,
	org        BINARY(16) NOT NULL,
	user_id    VARCHAR(200) NOT NULL,
	email      VARCHAR(254) NOT NULL,
	name       VARCHAR(200) NOT NULL,
	perms      TEXT NOT NULL,
	message    TEXT NOT NULL,
	member_id  BINARY(16) NOT NULL,
	status     SMALLINT NOT NULL,
	granted    TEXT NOT NULL,
	decided_by MEDIUMTEXT NOT NULL,
	created    BIGINT NOT NULL,
	updated    BIGINT NOT NULL,
	open_user  VARCHAR(200) AS (CASE WHEN status = 1 THEN user_id END) STORED,
	UNIQUE KEY {p}requests_one_open (org, open_user),
	KEY {p}requests_org (org, id),
	FOREIGN KEY (org) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}codes (
	org          BINARY(16) PRIMARY KEY,
	hash         VARCHAR(255) NOT NULL,
	failures     INTEGER NOT NULL,
	locked_until BIGINT NOT NULL,
	updated      BIGINT NOT NULL,
	FOREIGN KEY (org) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS {p}partners (
	id         BINARY(16) PRIMARY KEY,
	org        BINARY(16) NOT NULL,
	partner    BINARY(16) NOT NULL,
	level      VARCHAR(64) NOT NULL,
	scopes     TEXT NOT NULL,
	status     SMALLINT NOT NULL,
	invitation BINARY(16) NOT NULL,
	created    BIGINT NOT NULL,
	updated    BIGINT NOT NULL,
	UNIQUE KEY {p}partners_pair (org, partner),
	KEY {p}partners_partner (partner),
	FOREIGN KEY (org) REFERENCES {p}orgs (id),
	FOREIGN KEY (partner) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
