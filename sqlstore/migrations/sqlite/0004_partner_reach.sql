-- A partnership reaches the partner's external collaborators too only where
-- the granting organisation opted in (store.Partnership.Collaborators).
ALTER TABLE {p}partners ADD COLUMN collaborators INTEGER NOT NULL DEFAULT 0;
