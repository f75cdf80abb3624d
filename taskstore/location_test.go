package taskstore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	dir, _ = filepath.EvalSymlinks(dir)
	repo := filepath.Join(dir, "repo")
	sub := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.MkdirAll(plain, 0o755); err != nil {
		t.Fatal(err)
	}

	t.Setenv(EnvDatabaseURI, "")
	t.Chdir(sub)
	cases := []struct {
		explicit, env string
		want          Location
	}{
		{"", "", Location{Backend: BackendSQLite, Path: filepath.Join(repo, "data", "astrotask.db")}},
		{"x.db", "", Location{Backend: BackendSQLite, Path: filepath.Join(sub, "x.db")}},
		{"/abs/t.db", "/env/t.db", Location{Backend: BackendSQLite, Path: "/abs/t.db"}},
		{"", "/env/t.db", Location{Backend: BackendSQLite, Path: "/env/t.db"}},
		{"", "sqlite:///env/u.db", Location{Backend: BackendSQLite, Path: "/env/u.db"}},
		{"sqlite://./rel/r.db", "", Location{Backend: BackendSQLite, Path: filepath.Join(sub, "rel", "r.db")}},
		{"sqlite://rel.db", "", Location{Backend: BackendSQLite, Path: filepath.Join(sub, "rel.db")}},
		{"sqlite:///with%20space.db", "", Location{Backend: BackendSQLite, Path: "/with space.db"}},
		{plain, "", Location{Backend: BackendSQLite, Path: filepath.Join(plain, "astrotask.db")}},
		{"postgres://u:secret@db.example/tasks", "", Location{Backend: BackendPostgres, URL: "postgres://u:secret@db.example/tasks"}},
		{"", "postgresql://u@db.example:5433/tasks?sslmode=disable", Location{Backend: BackendPostgres, URL: "postgresql://u@db.example:5433/tasks?sslmode=disable"}},
	}
	for _, c := range cases {
		t.Setenv(EnvDatabaseURI, c.env)
		got, err := Locate(c.explicit)
		if err != nil || got != c.want {
			t.Errorf("Locate(%q) with %s=%q = %+v, %v; want %+v", c.explicit, EnvDatabaseURI, c.env, got, err, c.want)
		}
	}
	t.Setenv(EnvDatabaseURI, "")
	t.Chdir(plain)
	if root, ok := gitRoot(plain); ok {
		t.Fatalf("the temporary directory %s is inside the git repository %s; set TMPDIR elsewhere", plain, root)
	}
	if got, err := Locate(""); err != nil || got.Path != filepath.Join(plain, "data", "astrotask.db") {
		t.Errorf("Locate outside a repository = %q, %v; want ./data/astrotask.db", got.Path, err)
	}
	for _, bad := range []string{"mysql://x/y", "sqlite://", "sqlite:///x.db?mode=ro", "postgres://", "postgres://%zz"} {
		_, err := Locate(bad)
		wantIs(t, err, ErrInvalid)
	}
	t.Setenv(EnvDatabaseURI, "redis://x")
	_, err := Locate("")
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), EnvDatabaseURI) {
		t.Errorf("Locate with a bad %s = %v, want ErrInvalid naming the variable", EnvDatabaseURI, err)
	}
}

func TestLocationString(t *testing.T) {
	for _, c := range []struct {
		loc  Location
		want string
	}{
		{Location{Backend: BackendSQLite, Path: "/d/astrotask.db"}, "/d/astrotask.db"},
		{Location{Backend: BackendPostgres, URL: "postgres://u:secret@h/db"}, "postgres://u:xxxxx@h/db"},
		{Location{Backend: BackendPostgres, URL: "postgres://h/db?password=secret&sslmode=off"}, "postgres://h/db?password=xxxxx&sslmode=off"},
		{Location{Backend: BackendPostgres, URL: "postgres://u:se%zzcret@h/db"}, "postgres://u:xxxxx@h/db"},
		{Location{Backend: BackendPostgres, URL: "postgres://u@h/db"}, "postgres://u@h/db"},
	} {
		if got := c.loc.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.loc, got, c.want)
		}
	}
}

func FuzzLocate(f *testing.F) {
	for _, s := range []string{"x.db", "sqlite:///a/b.db", "sqlite://./c.db", "postgres://u:p@h/d", "postgresql://h/d?password=p",
		"postgres://u:p%zz@h", "mysql://x", "sqlite://", "::", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.TrimSpace(s) == "" {
			return // falls back to the environment
		}
		loc, err := Locate(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Locate(%q) = %v, want ErrInvalid", s, err)
			}
			return
		}
		switch loc.Backend {
		case BackendSQLite:
			if !filepath.IsAbs(loc.Path) || loc.URL != "" {
				t.Fatalf("Locate(%q) = %+v: want an absolute path", s, loc)
			}
		case BackendPostgres:
			if loc.URL == "" || loc.Path != "" {
				t.Fatalf("Locate(%q) = %+v", s, loc)
			}
			if strings.Contains(loc.String(), ":p@") {
				t.Fatalf("String() leaks the password: %q", loc.String())
			}
		default:
			t.Fatalf("Locate(%q) backend %q", s, loc.Backend)
		}
	})
}
