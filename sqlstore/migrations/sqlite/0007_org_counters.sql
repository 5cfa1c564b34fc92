-- An organisation's size costs its writes nothing. Its staff members are
-- counted on its row, kept by every write of a member in the same unit of
-- work, so that the seat check reads one row; this counts the members
-- already there. A filtered list of members reads an index in page order,
-- by role, status or kind; the role index also answers whether a custom
-- role is in use, with partners_level (the pending invitations are read
-- through the one-open index, as many as are pending).
ALTER TABLE {p}orgs ADD COLUMN staff INTEGER NOT NULL DEFAULT 0;
UPDATE {p}orgs SET staff = (SELECT COUNT(*) FROM {p}members m WHERE m.org = {p}orgs.id AND m.kind = 1);
CREATE INDEX {p}members_role ON {p}members (org, role, id);
CREATE INDEX {p}members_status ON {p}members (org, status, id);
CREATE INDEX {p}members_kind ON {p}members (org, kind, id);
CREATE INDEX {p}partners_level ON {p}partners (org, level);
