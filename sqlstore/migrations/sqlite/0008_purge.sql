-- Deleting an organisation writes its tombstone (orgs.deleted) and queues
-- it here, in a unit of work whose cost does not depend on its size; every
-- read passes the records of a deleted organisation by, and Store.Purge
-- removes them later, in bounded batches, each a transaction of its own,
-- the queue's oldest organisation first. Its API keys are removed by
-- organisation, through an index of their own.
CREATE TABLE {p}purges (
	org     BLOB PRIMARY KEY REFERENCES {p}orgs (id),
	deleted BIGINT NOT NULL
);
CREATE INDEX {p}purges_deleted ON {p}purges (deleted, org);
CREATE INDEX {p}api_keys_org ON {p}api_keys (org, id);
