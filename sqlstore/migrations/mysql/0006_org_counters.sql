-- An organisation's size costs its writes nothing. Its staff members are
-- counted on its row, kept by every write of a member in the same unit of
-- work, so that the seat check reads one row; this counts the members
-- already there. A filtered list of members reads an index in page order
-- (InnoDB appends the primary key, id), by role, status or kind; the role
-- index also answers whether a custom role is in use, with partners_level
-- (the pending invitations are read through the one-open index, as many as
-- are pending). Each statement can run again.
ALTER TABLE {p}orgs ADD COLUMN staff INTEGER NOT NULL DEFAULT 0;
UPDATE {p}orgs SET staff = (SELECT COUNT(*) FROM {p}members m WHERE m.org = {p}orgs.id AND m.kind = 1);
ALTER TABLE {p}members ADD INDEX {p}members_role (org, role);
ALTER TABLE {p}members ADD INDEX {p}members_status (org, status);
ALTER TABLE {p}members ADD INDEX {p}members_kind (org, kind);
ALTER TABLE {p}partners ADD INDEX {p}partners_level (org, level);
