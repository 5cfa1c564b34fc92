-- Access that expires (#18): a member's and a partnership's end, in
-- microseconds as every time here, 0 for none, and whether the end has been
-- recorded in the audit log; the end an invitation carries for the member it
-- makes. A sweep finds the ends due and unrecorded through the index. Run
-- again after a cut-short migration, an ALTER fails with 1060 or 1061, which
-- Migrate takes as applied.
ALTER TABLE {p}members ADD COLUMN ends BIGINT NOT NULL DEFAULT 0;
ALTER TABLE {p}members ADD COLUMN ends_noted SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE {p}partners ADD COLUMN ends BIGINT NOT NULL DEFAULT 0;
ALTER TABLE {p}partners ADD COLUMN ends_noted SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE {p}invitations ADD COLUMN member_ends BIGINT NOT NULL DEFAULT 0;
ALTER TABLE {p}members ADD INDEX {p}members_ends (ends_noted, ends);
ALTER TABLE {p}partners ADD INDEX {p}partners_ends (ends_noted, ends);
