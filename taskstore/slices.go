package taskstore

import "context"

const sliceCols = "c.id, c.task_id, c.title, c.description, c.context_type, c.created_at, c.updated_at"

func scanSlice(sc scanner) (ContextSlice, error) {
	var s ContextSlice
	err := sc.Scan(&s.ID, &s.TaskID, &s.Title, &s.Description, &s.ContextType, dbTime{&s.CreatedAt}, dbTime{&s.UpdatedAt})
	return s, err
}

func (c *conn) slices(ctx context.Context, query string, args ...any) ([]ContextSlice, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ContextSlice{}
	for rows.Next() {
		s, err := scanSlice(rows)
		if err != nil {
			return nil, translate(c.d, c.op, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(c.d, c.op, err)
	}
	return out, nil
}

func (c *conn) insertSlice(ctx context.Context, s ContextSlice) error {
	_, err := c.exec(ctx, `INSERT INTO context_slices (id, task_id, title, description, context_type, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.TaskID, s.Title, s.Description, s.ContextType, c.arg(s.CreatedAt), c.arg(s.UpdatedAt))
	return err
}

// AddContextSlice attaches context to a task.
func (s *sqlStore) AddContextSlice(ctx context.Context, in NewContextSlice) (ContextSlice, error) {
	in, err := in.normalize()
	if err != nil {
		return ContextSlice{}, err
	}
	var out ContextSlice
	err = s.write(ctx, "add context slice", func(c *conn) error {
		cur, err := c.getTask(ctx, in.TaskID)
		if err != nil {
			return err
		}
		if err := c.renewOwn(ctx, cur, in.Agent); err != nil {
			return err
		}
		out = ContextSlice{
			ID: newSliceID(), TaskID: in.TaskID, Title: in.Title, Description: in.Description,
			ContextType: in.ContextType, CreatedAt: c.now, UpdatedAt: c.now,
		}
		return c.insertSlice(ctx, out)
	})
	return out, err
}

// ListContextSlices returns a task's context slices in creation order.
func (s *sqlStore) ListContextSlices(ctx context.Context, taskID string) ([]ContextSlice, error) {
	if err := ValidateTaskID(taskID); err != nil {
		return nil, err
	}
	var out []ContextSlice
	err := s.read(ctx, "list context slices", func(c *conn) error {
		if err := c.mustExist(ctx, "task", taskID); err != nil {
			return err
		}
		var err error
		out, err = c.slices(ctx, "SELECT "+sliceCols+" FROM context_slices c WHERE c.task_id = ? ORDER BY c.seq", taskID)
		return err
	})
	return out, err
}
