-- A partnership reaches the partner's external collaborators too only where
-- the granting organisation opted in (store.Partnership.Collaborators).
ALTER TABLE {p}partners ADD COLUMN collaborators SMALLINT NOT NULL DEFAULT 0;
-- Run again after a cut-short migration, the ALTER fails with 1060, which
-- Migrate takes as applied.
