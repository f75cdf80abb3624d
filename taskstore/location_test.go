package taskstore

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	dir := tempRoot(t)
	repo := filepath.Join(dir, "repo")
	sub := filepath.Join(repo, "a", "b")
	writeFile(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
	mkdirs(t, filepath.Join(repo, ".git", "objects"), filepath.Join(repo, ".git", "refs"), sub)
	plain := filepath.Join(dir, "plain")
	mkdirs(t, plain)

	t.Setenv(EnvDatabaseURI, "")
	t.Chdir(sub)
	sqlite := func(path, rule string) Location { return Location{Backend: BackendSQLite, Path: path, Rule: rule} }
	// abs is what a rooted path means here: itself on Unix, on the working
	// directory's drive on Windows (under Wine: the Unix file, on Z:).
	abs := func(p string) string {
		t.Helper()
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cases := []struct {
		explicit, env string
		want          Location
	}{
		{"", "", Location{Backend: BackendSQLite, Path: filepath.Join(repo, "data", "astrotask.db"), Rule: RuleRepository, Repository: repo}},
		{"x.db", "", sqlite(filepath.Join(sub, "x.db"), RuleFlag)},
		{"/abs/t.db", "/env/t.db", sqlite(abs("/abs/t.db"), RuleFlag)},
		{"", "/env/t.db", sqlite(abs("/env/t.db"), RuleEnv)},
		{"", "sqlite:///env/u.db", sqlite(abs("/env/u.db"), RuleEnv)},
		{"sqlite://./rel/r.db", "", sqlite(filepath.Join(sub, "rel", "r.db"), RuleFlag)},
		{"sqlite://rel.db", "", sqlite(filepath.Join(sub, "rel.db"), RuleFlag)},
		{"sqlite:///with%20space.db", "", sqlite(abs("/with space.db"), RuleFlag)},
		{plain, "", sqlite(filepath.Join(plain, "astrotask.db"), RuleFlag)},
		{"postgres://u:secret@db.example/tasks", "", Location{Backend: BackendPostgres, URL: "postgres://u:secret@db.example/tasks", Rule: RuleFlag}},
		{"", "postgresql://u@db.example:5433/tasks?sslmode=disable", Location{Backend: BackendPostgres, URL: "postgresql://u@db.example:5433/tasks?sslmode=disable", Rule: RuleEnv}},
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
	if r, ok, _ := findRepository(plain); ok {
		t.Fatalf("the temporary directory %s is inside the git repository %+v; set TMPDIR elsewhere", plain, r)
	}
	if got, err := Locate(""); err != nil || got != sqlite(filepath.Join(plain, "data", "astrotask.db"), RuleWorkingDir) {
		t.Errorf("Locate outside a repository = %+v, %v; want ./data/astrotask.db by the working directory", got, err)
	}
	for _, bad := range []string{"mysql://x/y", "sqlite://", "sqlite:///x.db?mode=ro", "postgres://", "postgres://%zz"} {
		got, err := Locate(bad)
		wantIs(t, err, ErrInvalid)
		if got != (Location{}) {
			t.Errorf("Locate(%q) = %+v with an error, want the zero Location", bad, got)
		}
	}
	t.Setenv(EnvDatabaseURI, "redis://x")
	_, err := Locate("")
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), EnvDatabaseURI) {
		t.Errorf("Locate with a bad %s = %v, want ErrInvalid naming the variable", EnvDatabaseURI, err)
	}
}

// TestURLFilePath reads sqlite:// URLs as Windows and as Unix do, on every
// system: only Windows drops the slash before a drive letter.
func TestURLFilePath(t *testing.T) {
	for _, c := range []struct {
		rest          string
		windows, unix string
	}{
		{"/C:/dir/x.db", "C:/dir/x.db", "/C:/dir/x.db"},
		{"/c:/x.db", "c:/x.db", "/c:/x.db"},
		{`/D:\dir\x.db`, `D:\dir\x.db`, `/D:\dir\x.db`},
		{"C:/x.db", "C:/x.db", "C:/x.db"},
		{"/abs/x.db", "/abs/x.db", "/abs/x.db"},
		{"./rel/x.db", "./rel/x.db", "./rel/x.db"},
		{"/C", "/C", "/C"},
		{"/C:", "C:", "/C:"},
		{"/1:/x.db", "/1:/x.db", "/1:/x.db"},
		{"//server/share/x.db", "//server/share/x.db", "//server/share/x.db"},
	} {
		if got := urlFilePath(c.rest, true); got != c.windows {
			t.Errorf("urlFilePath(%q, true) = %q, want %q", c.rest, got, c.windows)
		}
		if got := urlFilePath(c.rest, false); got != c.unix {
			t.Errorf("urlFilePath(%q, false) = %q, want %q", c.rest, got, c.unix)
		}
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
		"postgres://u:p%zz@h", "mysql://x", "sqlite://", "::", "a\x00b", "host=h password=p dbname=d"} {
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
