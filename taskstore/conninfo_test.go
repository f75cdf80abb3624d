package taskstore

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConninfoKeys(t *testing.T) {
	for _, c := range []struct {
		s    string
		want []string // nil: not a connection string
	}{
		{"host=localhost password=secret dbname=x", []string{"host", "password", "dbname"}},
		{"  host = db.example  port=5433 ", []string{"host", "port"}},
		{"dbname=tasks.db", []string{"dbname"}},
		{"user=me password='it''s\\' here' host=h", nil}, // '' is no escape: the quote ends at it
		{"user=me password='it\\'s here' host=h", []string{"user", "password", "host"}},
		{"password='unterminated host=h", nil},
		{"host=h user=u host=h2", []string{"host", "user"}},
		{"host=h extra=1", []string{"host"}},
		{"v=2.db", nil},
		{"x.db", nil},
		{"./host=x", nil},
		{"data/host=x.db", nil},
		{"host", nil},
		{"host=h stray", nil},
		{"=x", nil},
		{"", nil},
	} {
		got, ok := conninfoKeys(c.s)
		if ok != (c.want != nil) || !cmp.Equal(got, c.want) {
			t.Errorf("conninfoKeys(%q) = %q, %v; want %q", c.s, got, ok, c.want)
		}
	}
}

// TestLocateRefusesConninfo: a libpq key=value string is refused, from the
// flag and from DATABASE_URI, with a hint to use a URL and without the
// password; nothing is created.
func TestLocateRefusesConninfo(t *testing.T) {
	dir := tempDir(t)
	t.Chdir(dir)
	const s = "host=localhost password=s3cr3t-value dbname=tasks"
	for _, env := range []bool{false, true} {
		explicit := s
		if env {
			t.Setenv(EnvDatabaseURI, s)
			explicit = ""
		}
		loc, err := Locate(explicit)
		if !errors.Is(err, ErrInvalid) || loc != (Location{}) {
			t.Fatalf("Locate(%q) from the environment %v = %+v, %v; want ErrInvalid", explicit, env, loc, err)
		}
		msg := err.Error()
		if strings.Contains(msg, "s3cr3t") || !strings.Contains(msg, "postgres://") || !strings.Contains(msg, "(host, password, dbname)") {
			t.Errorf("error = %q: want the keys and a postgres:// hint, never the password", msg)
		}
		t.Log(msg)
	}
	t.Setenv(EnvDatabaseURI, "")
	if _, err := Open(t.Context(), Options{DataDir: s}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open(%q) = %v, want ErrInvalid", s, err)
	}
	if ents, _ := readDirNames(dir); len(ents) != 0 {
		t.Fatalf("refused location left %q in the working directory", ents)
	}
}

func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, err
}

func FuzzConninfoKeys(f *testing.F) {
	for _, s := range []string{"host=h password=p", "a='b c' host=x", "host='x\\'", "v=2.db", "host= port=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, ok := conninfoKeys(s)
		if ok != (len(keys) > 0) {
			t.Fatalf("conninfoKeys(%q) = %q, %v", s, keys, ok)
		}
		for _, k := range keys {
			if !slices.Contains(libpqKeywords, k) {
				t.Fatalf("conninfoKeys(%q) returned %q, not a libpq keyword", s, k)
			}
		}
	})
}
