-- The paged lists read in the order of an index: a member's API keys and an
-- organisation's partnerships by ID. Members are clustered by (org,
-- user_id), so members_user (user_id) is in organisation order already,
-- and TEXT compares as bytes.
DROP INDEX {p}api_keys_member;
CREATE INDEX {p}api_keys_member ON {p}api_keys (member_id, id);
DROP INDEX {p}partners_partner;
CREATE INDEX {p}partners_partner ON {p}partners (partner, id);
CREATE INDEX {p}partners_org ON {p}partners (org, id);
