package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/astrotask/astrotask-go/taskstore/internal/engine"
)

// ApplicationID is the PRAGMA application_id that marks a SQLite file as an
// astrotask database: 0x41535452, "ASTR" in ASCII. Migration 0003 sets it,
// in new databases and in those made before the mark.
const ApplicationID = 0x41535452

// State is what Inspect found at a database path.
type State int

// The states of a database path that Open may go on to open.
const (
	// New: no file, an empty file, or a SQLite database with no schema,
	// no application_id and no user_version. Migrations make it ours.
	New State = iota
	// Ours: a database marked with ApplicationID.
	Ours
	// Unmarked: astrotask's tables and migration record from before the
	// mark, application_id 0. Migration 0003 marks it.
	Unmarked
)

// Inspect checks the database at path before Open touches it, so that
// nothing is changed in a file that astrotask must not use. It refuses,
// with an *engine.Error of Kind File:
//
//   - a symlink, directory or other non-regular file at path or at its
//     -wal, -shm or -journal name. SQLite would follow a link and write
//     its target, and the lock file (beside the name) would not guard the
//     target; symlinks in the directories above are followed, as for the
//     lock file, so a data directory may live elsewhere;
//   - a file that is not a SQLite database, or is damaged;
//   - another application's database: an application_id other than
//     ApplicationID, or, with none, a user_version or tables but not
//     astrotask's.
//
// It reads an existing non-empty database (or -wal file) through one
// connection of its own, with SQLite's defaults (no WAL switch, no
// writes), closed before it returns; SQLite removes the -wal and -shm
// files that reading a WAL database made when that connection was the
// only one. An empty file with no -wal file beside it is New.
func Inspect(ctx context.Context, path string) (State, error) {
	size, err := checkNames(path)
	if err != nil || size == 0 {
		return New, err
	}
	db, err := sql.Open("sqlite", "file:"+escape(path)+"?_pragma=busy_timeout("+strconv.Itoa(int(BusyTimeout/time.Millisecond))+")")
	if err != nil {
		return New, Dialect{}.Classify("", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	st, err := whose(ctx, db)
	if err != nil {
		return New, explain(path, err)
	}
	return st, nil
}

// checkNames refuses a non-regular file at path or at the names SQLite
// keeps beside it, and returns the size of the database at path and of its
// -wal file together (0 when there are none): a new database in WAL mode
// may hold its first pages in the -wal file alone.
func checkNames(path string) (int64, error) {
	var size int64
	for _, name := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Lstat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return 0, &engine.Error{Kind: engine.File, Msg: err.Error()}
		case !fi.Mode().IsRegular():
			return 0, &engine.Error{Kind: engine.File, Msg: notRegular(path, name, fi.Mode())}
		case name == path, name == path+"-wal":
			size += fi.Size()
		}
	}
	return size, nil
}

// notRegular says why the non-regular file name (path or a name beside
// it) is refused.
func notRegular(path, name string, mode fs.FileMode) string {
	switch {
	case mode&fs.ModeSymlink != 0 && name == path:
		return "it is a symlink: give the path of the file it points to, so that the lock file sits beside that file"
	case mode&fs.ModeSymlink != 0:
		return name + " is a symlink, which SQLite would write through"
	case mode.IsDir() && name == path:
		return "it is a directory"
	case mode.IsDir():
		return name + " is a directory"
	case name == path:
		return "it is not a regular file"
	}
	return name + " is not a regular file"
}

// whose reads the mark, the user_version and the table names of the
// database db and decides what it is.
func whose(ctx context.Context, db *sql.DB) (State, error) {
	var id, version int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return New, err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return New, err
	}
	tables, err := tableNames(ctx, db)
	if err != nil {
		return New, err
	}
	switch {
	case id == ApplicationID:
		return Ours, nil
	case id != 0:
		return New, foreign(fmt.Sprintf("it is marked as another application's (application_id 0x%08x)", uint32(id)))
	case version == 0 && len(tables) == 0:
		return New, nil
	case version == 0 && unmarkedOurs(ctx, db, tables):
		return Unmarked, nil
	case version != 0:
		return New, foreign(fmt.Sprintf("it has another application's user_version (%d)", version))
	}
	return New, foreign("it has another application's tables and no astrotask mark")
}

func foreign(why string) error {
	return &engine.Error{Kind: engine.File, Msg: "not an astrotask database: " + why}
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// ourTables are the tables that every astrotask database has had since
// migration 0001.
var ourTables = []string{"schema_migrations", "tasks", "task_dependencies", "context_slices"}

// unmarkedOurs reports whether a database without the mark is one that
// astrotask made before the mark: it has astrotask's tables and records
// migration 1 as "init". Another application's schema_migrations (Rails
// has one) lacks those columns or that row.
func unmarkedOurs(ctx context.Context, db *sql.DB, tables []string) bool {
	for _, t := range ourTables {
		if !slices.Contains(tables, t) {
			return false
		}
	}
	var name string
	err := db.QueryRowContext(ctx, "SELECT name FROM schema_migrations WHERE version = 1").Scan(&name)
	return err == nil && name == "init"
}
