-- The paged lists read in the order of an index: a user's memberships by
-- organisation, a member's API keys and an organisation's partnerships by
-- ID. Custom roles page by name in byte order, which a database whose
-- default collation is a language's would not give: their names take the
-- "C" collation, the same order as on the other dialects.
ALTER TABLE {p}roles ALTER COLUMN name TYPE TEXT COLLATE "C";
DROP INDEX {p}members_user;
CREATE INDEX {p}members_user ON {p}members (user_id, org);
DROP INDEX {p}api_keys_member;
CREATE INDEX {p}api_keys_member ON {p}api_keys (member_id, id);
DROP INDEX {p}partners_partner;
CREATE INDEX {p}partners_partner ON {p}partners (partner, id);
CREATE INDEX {p}partners_org ON {p}partners (org, id);
