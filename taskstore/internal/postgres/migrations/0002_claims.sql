-- The claims of migrations/sqlite/0002_claims.sql in PostgreSQL's terms.
ALTER TABLE tasks ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN claimed_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN lease_expires_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN lease_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN forced_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN forced_at TIMESTAMPTZ;
