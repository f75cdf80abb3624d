-- Claims: who holds an in-progress task and until when (the lease), and
-- the last change that overrode a running lease (forced_by, forced_at).
-- lease_seconds is the length of the lease, which a renewal starts again.
ALTER TABLE tasks ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN claimed_at TEXT;
ALTER TABLE tasks ADD COLUMN lease_expires_at TEXT;
ALTER TABLE tasks ADD COLUMN lease_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN forced_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN forced_at TEXT;
