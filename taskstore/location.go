package taskstore

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/astrotask/astrotask-go/taskstore/internal/postgres"
)

// The database backends a Location can name.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// EnvDatabaseURI is the environment variable Locate reads when it is given
// no explicit location.
const EnvDatabaseURI = "DATABASE_URI"

// DefaultDBRelPath is where the database lives below the repository root
// (or the working directory outside a repository).
const DefaultDBRelPath = "data/astrotask.db"

// Location says where a task database lives.
type Location struct {
	// Backend is BackendSQLite or BackendPostgres.
	Backend string
	// Path is the absolute path of the SQLite database file.
	Path string
	// URL is the PostgreSQL connection URL, password included.
	URL string
}

// String returns the SQLite path, or the PostgreSQL URL with any password
// replaced by "xxxxx". It is safe to print.
func (l Location) String() string {
	if l.Backend == BackendPostgres {
		return postgres.Redact(l.URL)
	}
	return l.Path
}

// Locate finds the database, so that every tool opens the same file from any
// working directory. In order it uses:
//
//  1. explicit, when not empty;
//  2. the DATABASE_URI environment variable, when not empty;
//  3. data/astrotask.db below the root of the git repository that contains
//     the working directory;
//  4. data/astrotask.db below the working directory.
//
// A location is a plain path (relative to the working directory; an
// existing directory means astrotask.db inside it), a sqlite:// URL
// (sqlite:///abs/path.db or sqlite://./rel/path.db; sqlite3:// and file://
// are read the same way, percent-escapes decoded, no query string), or a
// postgres:// or
// postgresql:// URL, which gives Backend BackendPostgres. Other URL schemes
// fail with ErrInvalid. Locate creates nothing.
func Locate(explicit string) (Location, error) {
	if s := strings.TrimSpace(explicit); s != "" {
		return parseLocation(s)
	}
	if s := strings.TrimSpace(os.Getenv(EnvDatabaseURI)); s != "" {
		loc, err := parseLocation(s)
		if err != nil {
			return Location{}, fmt.Errorf("%s: %w", EnvDatabaseURI, err)
		}
		return loc, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return Location{}, fmt.Errorf("locate database: %w", err)
	}
	base := wd
	if root, ok := gitRoot(wd); ok {
		base = root
	}
	return Location{Backend: BackendSQLite, Path: filepath.Join(base, filepath.FromSlash(DefaultDBRelPath))}, nil
}

// gitRoot returns the nearest directory at or above dir that holds a .git
// entry (a directory, or a file in worktrees and submodules).
func gitRoot(dir string) (string, bool) {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func parseLocation(s string) (Location, error) {
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		return sqlitePath(s)
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		if rest == "" {
			return Location{}, invalid("database", "%q names no file", s)
		}
		if strings.ContainsAny(rest, "?#") {
			return Location{}, invalid("database", "%q: query strings are not supported in sqlite URLs", s)
		}
		if p, err := url.PathUnescape(rest); err == nil {
			rest = p
		}
		return sqlitePath(rest)
	case "postgres", "postgresql":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return Location{}, invalid("database", "%q is not a valid PostgreSQL URL", postgres.Redact(s))
		}
		return Location{Backend: BackendPostgres, URL: s}, nil
	default:
		return Location{}, invalid("database", "unsupported URL scheme %q (use a path, sqlite://, or postgres://)", scheme)
	}
}

func sqlitePath(p string) (Location, error) {
	if strings.ContainsRune(p, 0) {
		return Location{}, invalid("database", "path contains a NUL byte")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return Location{}, fmt.Errorf("locate database %q: %w", p, err)
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		abs = filepath.Join(abs, filepath.Base(DefaultDBRelPath))
	}
	return Location{Backend: BackendSQLite, Path: abs}, nil
}
