-- Deleting an organisation writes its tombstone (orgs.deleted) and queues
-- it here, in a unit of work whose cost does not depend on its size; every
-- read passes the records of a deleted organisation by, and Store.Purge
-- removes them later, in bounded batches, each a transaction of its own,
-- the queue's oldest organisation first. Its API keys are removed by
-- organisation, through an index of their own. Each statement can run
-- again.
CREATE TABLE IF NOT EXISTS {p}purges (
	org     BINARY(16) PRIMARY KEY,
	deleted BIGINT NOT NULL,
	KEY {p}purges_deleted (deleted, org),
	FOREIGN KEY (org) REFERENCES {p}orgs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
ALTER TABLE {p}api_keys ADD INDEX {p}api_keys_org (org, id);
