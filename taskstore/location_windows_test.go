package taskstore

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLocateWindowsPaths gives Locate one database file in each way it can
// be written on Windows: with backslashes or slashes, as a sqlite:// or
// file:// URL with and without the slash before the drive letter.
func TestLocateWindowsPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "with space")
	mkdirs(t, dir)
	want := filepath.Join(dir, "x.db")
	if len(want) < 3 || want[1] != ':' {
		t.Fatalf("the temporary directory %s has no drive letter", dir)
	}
	slashed := filepath.ToSlash(want)
	for _, s := range []string{
		want,
		slashed,
		"sqlite:///" + slashed,
		"sqlite://" + slashed,
		"sqlite:///" + strings.ReplaceAll(slashed, " ", "%20"),
		"sqlite3:///" + want,
		"file:///" + slashed,
	} {
		got, err := Locate(s)
		if err != nil || got.Backend != BackendSQLite || got.Path != want {
			t.Errorf("Locate(%q) = %+v, %v; want the SQLite database %s", s, got, err, want)
		}
	}
}
