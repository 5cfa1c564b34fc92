-- API keys that integrations can live with (#18): a key may be limited to
-- some permissions (by name, as a member's are; '' limits nothing), expires
-- (0: a key issued before keys expired, which never does), records when it
-- was last used, and may belong to no member (an organisation's service
-- key, member_id NULL). The organisation's keys are listed through
-- api_keys_org_member (its service keys in ID order).
ALTER TABLE {p}api_keys ADD COLUMN perms TEXT NOT NULL DEFAULT '';
ALTER TABLE {p}api_keys ADD COLUMN expires BIGINT NOT NULL DEFAULT 0;
ALTER TABLE {p}api_keys ADD COLUMN last_used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE {p}api_keys ALTER COLUMN member_id DROP NOT NULL;
CREATE INDEX {p}api_keys_org_member ON {p}api_keys (org, member_id, id);
