-- Seats cost the same at 100,000 members as at 10 (#21), pending
-- invitations too. An organisation's row counts its pending invitations for
-- staff (invited) and, of those, the ones that expired by a time it keeps
-- (lapsed, by horizon, in microseconds): every write of an invitation keeps
-- both in the same unit of work. The seat check reads the row and counts,
-- through invitations_seats, only the invitations that expired since the
-- horizon, then moves the horizon past them; each is counted once. This
-- counts the invitations already there; a horizon of 0 has lapsed none.
-- (MariaDB has no partial index: the status is the index's third column.)
-- Each statement can run again.
ALTER TABLE {p}orgs ADD COLUMN invited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {p}orgs ADD COLUMN lapsed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {p}orgs ADD COLUMN horizon BIGINT NOT NULL DEFAULT 0;
UPDATE {p}orgs SET invited = (SELECT COUNT(*) FROM {p}invitations i WHERE i.org = {p}orgs.id AND i.kind = 1 AND i.status = 1);
ALTER TABLE {p}invitations ADD INDEX {p}invitations_seats (org, kind, status, expires);
-- Whether a custom role is in use by a pending invitation (RoleInUse,
-- before the role is deleted) reads the pending invitations of that role
-- alone, and a page of the pending list (invite.ListPending) no closed
-- invitation.
ALTER TABLE {p}invitations ADD INDEX {p}invitations_role (org, role, status);
ALTER TABLE {p}invitations ADD INDEX {p}invitations_pending (org, status, id);
