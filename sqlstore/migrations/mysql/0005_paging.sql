-- The paged lists read in the order of an index. InnoDB appends the
-- primary key to a secondary index, so a member's API keys (member_id, id)
-- and the partnerships (partner, id) are in order already, and role names
-- compare as bytes (utf8mb4_bin). A user's memberships page by
-- organisation: members_user becomes (user_id, org). One statement, so
-- that it can run again.
ALTER TABLE {p}members DROP INDEX {p}members_user, ADD INDEX {p}members_user (user_id, org);
