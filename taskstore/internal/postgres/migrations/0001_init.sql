-- The schema of migrations/sqlite/0001_init.sql in PostgreSQL's terms:
-- identity columns for the creation order, timestamptz for times.

-- Tasks form one tree under the project root. seq is the creation order.
CREATE TABLE tasks (
	seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id             TEXT    NOT NULL UNIQUE,
	parent_id      TEXT    REFERENCES tasks (id),
	title          TEXT    NOT NULL,
	description    TEXT    NOT NULL DEFAULT '',
	status         TEXT    NOT NULL DEFAULT 'pending'
	               CHECK (status IN ('pending', 'in-progress', 'blocked', 'done', 'cancelled', 'archived')),
	priority_score INTEGER NOT NULL DEFAULT 50 CHECK (priority_score BETWEEN 0 AND 100),
	prd            TEXT    NOT NULL DEFAULT '',
	context_digest TEXT    NOT NULL DEFAULT '',
	created_at     TIMESTAMPTZ NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL,
	CHECK (parent_id IS NULL OR parent_id <> id)
);

-- Walking the tree downwards.
CREATE INDEX tasks_parent ON tasks (parent_id, status, id);
-- Listing by status, and the next task: pending tasks by priority.
CREATE INDEX tasks_status_priority ON tasks (status, priority_score DESC, seq);

-- "dependent cannot start until dependency is done".
CREATE TABLE task_dependencies (
	dependent_task_id  TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	dependency_task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	created_at         TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (dependent_task_id, dependency_task_id),
	CHECK (dependent_task_id <> dependency_task_id)
);

CREATE INDEX task_dependencies_dependency ON task_dependencies (dependency_task_id, dependent_task_id);

CREATE TABLE context_slices (
	seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	task_id      TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	title        TEXT NOT NULL,
	description  TEXT NOT NULL DEFAULT '',
	context_type TEXT NOT NULL DEFAULT 'general',
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX context_slices_task ON context_slices (task_id, seq);

INSERT INTO tasks (id, parent_id, title, description, status, priority_score, created_at, updated_at)
VALUES ('__PROJECT_ROOT__', NULL, 'Project Root', 'The root of the task tree.', 'pending', 50,
        date_trunc('microseconds', now()), date_trunc('microseconds', now()));
