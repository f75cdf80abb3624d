package taskstore

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
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

// DefaultDBRelPath is where the database lives below a repository's main
// worktree (or the working directory outside a repository).
const DefaultDBRelPath = "data/astrotask.db"

// GitDirDBRelPath is where the database lives below the git directory of a
// repository without a main worktree (a bare repository with worktrees).
const GitDirDBRelPath = "astrotask/astrotask.db"

// The rules by which Locate finds a database, in the order it tries them.
const (
	// RuleFlag: the location was given explicitly (the --db flag).
	RuleFlag = "flag"
	// RuleEnv: the location came from the DATABASE_URI environment variable.
	RuleEnv = "environment"
	// RuleRepository: the working directory is in the main worktree of a git
	// repository, or inside its git directory; the database is that
	// repository's.
	RuleRepository = "repository"
	// RuleWorktree: the working directory is in a linked worktree; the
	// database is its repository's.
	RuleWorktree = "worktree of a repository"
	// RuleWorkingDir: no repository was found around the working directory.
	RuleWorkingDir = "working directory"
)

// Location says where a task database lives, and how Locate found it.
type Location struct {
	// Backend is BackendSQLite or BackendPostgres.
	Backend string
	// Path is the absolute path of the SQLite database file.
	Path string
	// URL is the PostgreSQL connection URL, password included.
	URL string
	// Rule is the Rule constant by which Locate found the location; ""
	// for a Location that Locate did not make.
	Rule string
	// Repository, with RuleRepository and RuleWorktree, is the repository
	// whose database this is: its main worktree, or its git directory when
	// it has no main worktree (a bare repository).
	Repository string
	// Worktree, with RuleWorktree, is the linked worktree that holds the
	// working directory.
	Worktree string
}

// String returns the SQLite path, or the PostgreSQL URL with any password
// replaced by "xxxxx". It is safe to print.
func (l Location) String() string {
	if l.Backend == BackendPostgres {
		return postgres.Redact(l.URL)
	}
	return l.Path
}

// Locate finds the database, so that every tool opens the same one from
// any directory of a project and from every worktree of a repository. In
// order it uses (and records in Location.Rule):
//
//  1. explicit, when not empty (RuleFlag);
//  2. the DATABASE_URI environment variable, when not empty (RuleEnv);
//  3. the git repository around the working directory: data/astrotask.db
//     in its main worktree, from the main worktree or its git directory
//     (RuleRepository) or from any linked worktree (RuleWorktree). A
//     repository whose files name no main worktree (a bare repository, or
//     one whose git directory was kept apart with --separate-git-dir and
//     names no core.worktree) keeps it in its git directory instead, as
//     GitDirDBRelPath, so that every worktree still finds one database. A
//     submodule and a repository nested in another's worktree are
//     repositories of their own;
//  4. data/astrotask.db below the working directory (RuleWorkingDir).
//
// The repository is read from the .git directory or file, the git
// directory's commondir and the core.bare and core.worktree settings of its
// config, the way git finds it, without starting git; git's environment
// variables (GIT_DIR and the like) are not read. Repository paths have
// symlinks resolved. A .git file that names no git directory is an error
// rather than a guess: git refuses to work there as well.
//
// A location is a plain path (relative to the working directory; an
// existing directory means astrotask.db inside it; on Windows C:\dir\x.db
// and C:/dir/x.db alike), a sqlite:// URL (sqlite:///abs/path.db or
// sqlite://./rel/path.db; on Windows sqlite:///C:/dir/x.db or
// sqlite://C:/dir/x.db; sqlite3:// and file:// are read the same way,
// percent-escapes decoded, no query string), or a postgres:// or
// postgresql:// URL, which gives Backend BackendPostgres. Other URL schemes
// fail with ErrInvalid, and so does a libpq key=value connection string
// ("host=db dbname=tasks password=..."): it would otherwise name a SQLite
// file, password and all; the error names its keys but no value. (A file
// whose name reads as one is reached as ./host=db.) Locate creates nothing.
func Locate(explicit string) (Location, error) {
	if s := strings.TrimSpace(explicit); s != "" {
		loc, err := parseLocation(s)
		if err != nil {
			return Location{}, err
		}
		loc.Rule = RuleFlag
		return loc, nil
	}
	if s := strings.TrimSpace(os.Getenv(EnvDatabaseURI)); s != "" {
		loc, err := parseLocation(s)
		if err != nil {
			return Location{}, fmt.Errorf("%s: %w", EnvDatabaseURI, err)
		}
		loc.Rule = RuleEnv
		return loc, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return Location{}, fmt.Errorf("locate database: %w", err)
	}
	return locateFrom(wd)
}

// locateFrom is rules 3 and 4 of Locate, from the directory wd.
func locateFrom(wd string) (Location, error) {
	r, ok, err := findRepository(wd)
	if err != nil {
		return Location{}, err
	}
	if !ok {
		return Location{Backend: BackendSQLite, Path: filepath.Join(wd, filepath.FromSlash(DefaultDBRelPath)), Rule: RuleWorkingDir}, nil
	}
	loc := Location{Backend: BackendSQLite, Rule: RuleRepository, Repository: r.main,
		Path: filepath.Join(r.main, filepath.FromSlash(DefaultDBRelPath))}
	if r.main == "" {
		loc.Repository = r.commonDir
		loc.Path = filepath.Join(r.commonDir, filepath.FromSlash(GitDirDBRelPath))
	}
	if r.worktree != "" && r.linked() {
		loc.Rule, loc.Worktree = RuleWorktree, r.worktree
	}
	return loc, nil
}

func parseLocation(s string) (Location, error) {
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		if keys, ok := conninfoKeys(s); ok {
			return Location{}, invalid("database", "a PostgreSQL key=value connection string (%s) is not supported: use a URL such as postgres://user:password@host:5432/dbname",
				strings.Join(keys, ", "))
		}
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
		return sqlitePath(urlFilePath(rest, runtime.GOOS == "windows"))
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

// urlFilePath is the file path that the part of a sqlite:// URL after
// "://" names. On Windows a slash before a drive letter belongs to the URL,
// not to the path: sqlite:///C:/x.db names C:/x.db, as file:///C:/x.db
// does.
func urlFilePath(rest string, windows bool) string {
	if windows && len(rest) >= 3 && (rest[0] == '/' || rest[0] == '\\') && isDriveLetter(rest[1]) && rest[2] == ':' {
		return rest[1:]
	}
	return rest
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

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
