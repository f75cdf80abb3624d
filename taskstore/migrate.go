package taskstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/astrotask/astrotask-go/taskstore/internal/engine"
)

// migration is one numbered schema change, embedded as NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

const schemaMigrationsDDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

func loadMigrations(d dialect) ([]migration, error) {
	fsys := d.Migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	var ms []migration
	for _, n := range names {
		num, rest, ok := strings.Cut(strings.TrimSuffix(n, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("load migrations: bad file name %q", n)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("load migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: rest, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("load migrations: versions must run 1, 2, 3...; found %d at position %d", m.version, i+1)
		}
	}
	return ms, nil
}

// schemaVersion returns the highest applied migration, 0 for a new or
// unreadable database (the caller then migrates under the lock, which
// reports any real problem).
func schemaVersion(ctx context.Context, db *sql.DB) int {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0
	}
	return int(v.Int64)
}

// needsMigration reports whether db lacks any of the embedded migrations.
func needsMigration(ctx context.Context, db *sql.DB, d dialect) (bool, error) {
	ms, err := loadMigrations(d)
	if err != nil {
		return false, err
	}
	v := schemaVersion(ctx, db)
	if v > len(ms) {
		return false, fmt.Errorf("database schema version %d is newer than this program supports (%d): upgrade astrotask", v, len(ms))
	}
	return v < len(ms), nil
}

// migrate applies the missing migrations, each in its own write transaction
// that first re-checks whether another process applied it meanwhile, so it
// is safe to run from several processes at once even without the
// cooperative lock. It returns how many migrations this call applied.
func migrate(ctx context.Context, db *sql.DB, d dialect, log *slog.Logger) (int, error) {
	ms, err := loadMigrations(d)
	if err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range ms {
		did, err := applyMigration(ctx, db, d, m)
		if err != nil {
			return applied, fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
		}
		if did {
			applied++
			log.Info("applied migration", "version", m.version, "name", m.name)
		}
	}
	if v := schemaVersion(ctx, db); v > len(ms) {
		return applied, fmt.Errorf("database schema version %d is newer than this program supports (%d): upgrade astrotask", v, len(ms))
	}
	return applied, nil
}

func applyMigration(ctx context.Context, db *sql.DB, d dialect, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, translate(d, "begin migration", err)
	}
	defer tx.Rollback()
	if sl, ok := d.(schemaLocker); ok {
		if err := sl.LockSchema(ctx, tx); err != nil {
			return false, translate(d, "lock schema", err)
		}
	}
	if _, err := tx.ExecContext(ctx, schemaMigrationsDDL); err != nil {
		return false, translate(d, "create schema_migrations", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.Rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
		return false, translate(d, "read schema_migrations", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, translate(d, "apply migration", err)
	}
	if _, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.version, m.name, engine.FormatTime(time.Now())); err != nil {
		return false, translate(d, "record migration", err)
	}
	if err := tx.Commit(); err != nil {
		return false, translate(d, "commit migration", err)
	}
	return true, nil
}
