-- +goose Up
-- The service's own table. Its foreign key refers to roster's
-- organisations, so roster's schema is applied first.
CREATE TABLE projects (
	id         BIGSERIAL PRIMARY KEY,
	org        UUID NOT NULL REFERENCES roster_orgs (id),
	name       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	UNIQUE (org, name)
);

-- Invitation mail waiting to be sent, written by the delivery worker in the
-- same transaction that moves its feed cursor.
CREATE TABLE outbox (
	id       BIGSERIAL PRIMARY KEY,
	org      UUID NOT NULL,
	email    TEXT NOT NULL,
	link     TEXT NOT NULL,
	event    BIGINT NOT NULL UNIQUE
);

-- +goose Down
DROP TABLE outbox;
DROP TABLE projects;
