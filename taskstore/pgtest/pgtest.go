// Package pgtest gives tests a real PostgreSQL server and a fresh database
// per test.
//
// When EnvURL names a server (scripts/test.sh starts one), tests use it.
// Otherwise the first test that asks starts a throwaway server of its own,
// the way scripts/test.sh does: initdb into a temporary directory (as the
// postgres user when running as root, since PostgreSQL refuses to run as
// root), listening on 127.0.0.1 only, on a free port. Run stops it when the
// tests end; should the test binary die first (a timeout, a crash), a
// watchdog stops it and removes its directory. Helper processes started afterwards inherit EnvURL and share
// the server.
//
// A test package opts in with
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// and each test calls NewDatabase for a database of its own. A package
// whose TestMain cannot use Run (testscript.Main, say) calls Own in the one
// test that needs a server, and CreateDatabase for each database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable naming the server for tests: a
// superuser URL to an existing database (usually "postgres").
const EnvURL = "ASTROTASK_TEST_POSTGRES_URL"

var (
	mu      sync.Mutex
	started *Server // the server this process started, if any
)

// Run runs the tests and stops the server that one of them started, if
// any. It returns m.Run's exit code.
func Run(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	s := started
	started = nil
	mu.Unlock()
	if s != nil {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// URL returns the superuser URL of the test server, starting one (and
// setting EnvURL for child processes) when EnvURL is empty. It fails the
// test when no server can be had.
func URL(tb testing.TB) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	s, err := Start()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	started = s
	os.Setenv(EnvURL, s.URL)
	tb.Logf("pgtest: started PostgreSQL at %s", s.URL)
	return s.URL
}

// NewDatabase creates a database with a unique name on the test server and
// returns its URL. The database is dropped when the test ends, together
// with any connection still open to it.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	u, drop, err := CreateDatabase(URL(tb), tb.Name())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// Own returns the URL of EnvURL's server, or else of a server started for
// tb alone and stopped when tb ends. It suits a package with one test that
// needs PostgreSQL and a TestMain that cannot use Run.
func Own(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	s, err := Start()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	tb.Logf("pgtest: started PostgreSQL at %s", s.URL)
	return s.URL
}

// CreateDatabase creates a database named after hint (plus a random
// suffix) on the server at base, a superuser URL, and returns its URL and
// the function that drops it again, closing any connection still open.
func CreateDatabase(base, hint string) (dbURL string, drop func() error, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("server URL: %w", err)
	}
	name := "astrotask_test_" + sanitize(hint) + "_" + randomSuffix()
	if err := admin(base, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop = func() error {
		if err := admin(base, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// admin runs one statement on the server's maintenance database.
func admin(base, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// sanitize keeps a test name usable in a database name (at most 63 bytes
// in all, so it keeps 30).
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= 30 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
