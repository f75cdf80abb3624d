package lockcore

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/sys/windows"
)

// TestBadLockPaths: a directory, a symlink (to a file, dangling, to a
// directory) or a junction in place of the lock file is refused, and no
// symlink target is created.
func TestBadLockPaths(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T, path string){
		"directory": func(t *testing.T, p string) { must(t, os.Mkdir(p, 0o755)) },
		"symlink":   func(t *testing.T, p string) { symlinkOrSkip(t, filepath.Join(filepath.Dir(p), "target"), p) },
		"dangling":  func(t *testing.T, p string) { symlinkOrSkip(t, `C:\nonexistent\x`, p) },
		"dir symlink": func(t *testing.T, p string) {
			must(t, os.Mkdir(p+".d", 0o755))
			symlinkOrSkip(t, p+".d", p)
		},
		"junction": func(t *testing.T, p string) { junctionOrSkip(t, p, filepath.Dir(p)) },
	} {
		t.Run(name, func(t *testing.T) { badLockPath(t, setup) })
	}
}

func badLockPath(t *testing.T, setup func(*testing.T, string)) {
	db := testDB(t)
	l := New(db, quick)
	must(t, os.MkdirAll(filepath.Dir(l.Path()), 0o755))
	setup(t, l.Path())
	err := l.Acquire(t.Context())
	var pe *PathError
	if !errors.Is(err, ErrNotRegular) || errors.Is(err, ErrLocked) || !errors.As(err, &pe) || pe.Path != l.Path() {
		t.Fatalf("Acquire = %v, want ErrNotRegular naming the path", err)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(l.Path()), "target")); err == nil {
		t.Fatal("symlink target was created")
	}
	if st, err := Inspect(db, quick); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Inspect = %+v, %v; want ErrNotRegular", st, err)
	}
	t.Log(err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// junctionOrSkip makes link a junction to the directory target, or skips
// under Wine, which has none.
func junctionOrSkip(t *testing.T, link, target string) {
	t.Helper()
	if err := junction(link, target); err != nil {
		skipUnderWine(t, "junctions (FSCTL_SET_REPARSE_POINT: "+err.Error()+")")
		t.Fatal(err)
	}
}

// junction makes link a junction (a mount point reparse point) to the
// directory target, as `mklink /J` does.
func junction(link, target string) error {
	if err := os.Mkdir(link, 0o755); err != nil {
		return err
	}
	p, err := windows.UTF16PtrFromString(link)
	if err != nil {
		return err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	sub := utf16.Encode([]rune(`\??\` + target))
	show := utf16.Encode([]rune(target))
	names := append(append(append(sub, 0), show...), 0)
	buf := binary.LittleEndian.AppendUint32(nil, windows.IO_REPARSE_TAG_MOUNT_POINT)
	for _, v := range []int{8 + 2*len(names), 0, 0, 2 * len(sub), 2*len(sub) + 2, 2 * len(show)} {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(v))
	}
	for _, c := range names {
		buf = binary.LittleEndian.AppendUint16(buf, c)
	}
	var n uint32
	return windows.DeviceIoControl(h, windows.FSCTL_SET_REPARSE_POINT, &buf[0], uint32(len(buf)), nil, 0, &n, nil)
}

// TestRegistryKeyedByFileIdentity: every spelling of the database's
// directory (another case, the 8.3 short name, a junction) gives the same
// lock file, and so the same handle: they are one lock in this process,
// not two kernel locks that exclude each other.
func TestRegistryKeyedByFileIdentity(t *testing.T) {
	dir := filepath.Join(tempDir(t), "LongDirectoryName")
	must(t, os.Mkdir(dir, 0o755))
	a := New(filepath.Join(dir, "a.db"), Options{})
	mustAcquire(t, a, ModeShared)
	spellings := []string{strings.ToUpper(dir), strings.ToLower(dir)}
	if short := shortPath(t, dir); !strings.EqualFold(short, dir) {
		spellings = append(spellings, short)
	} else {
		t.Logf("this volume has no 8.3 name for %s", dir)
	}
	link := filepath.Join(filepath.Dir(dir), "junction")
	if err := junction(link, dir); err == nil {
		spellings = append(spellings, link)
	} else if underWine() {
		t.Logf("no junction: Wine lacks them (FSCTL_SET_REPARSE_POINT: %v); windows-latest tries this spelling too", err)
	} else {
		t.Fatal(err)
	}
	for _, d := range spellings {
		b := New(filepath.Join(d, "A.DB"), Options{})
		mustAcquire(t, b, ModeShared)
		if a.h != b.h {
			t.Fatalf("%s and %s: two handles for one lock file", a.Path(), b.Path())
		}
		b.Release()
		t.Logf("%s: same handle", d)
	}
	a.Release()
	err := WithLock(context.Background(), filepath.Join(dir, "a.db"), Options{}, func(ctx context.Context) error {
		for _, d := range spellings {
			if m, ok := HeldMode(ctx, filepath.Join(d, "x.db")); !ok || m != ModeExclusive {
				t.Errorf("HeldMode(%s) = %q, %v; want exclusive", d, m, ok)
			}
		}
		return nil
	})
	must(t, err)
}

func shortPath(t *testing.T, path string) string {
	t.Helper()
	p, err := windows.UTF16PtrFromString(path)
	must(t, err)
	buf := make([]uint16, windows.MAX_PATH)
	n, err := windows.GetShortPathName(p, &buf[0], uint32(len(buf)))
	must(t, err)
	return windows.UTF16ToString(buf[:n])
}

// TestNetworkPathsRefused: UNC paths are refused before anything touches
// the network, and a local directory passes.
func TestNetworkPathsRefused(t *testing.T) {
	for _, db := range []string{`\\server\share\data\a.db`, `\\?\UNC\server\share\a.db`, `//server/share/a.db`} {
		err := New(db, quick).Acquire(context.Background())
		var pe *PathError
		if !errors.Is(err, ErrNetworkFS) || errors.Is(err, ErrLocked) || !errors.As(err, &pe) || !strings.Contains(err.Error(), "PostgreSQL") {
			t.Fatalf("Acquire(%s) = %v, want ErrNetworkFS", db, err)
		}
		t.Logf("%s: %v", db, err)
	}
	for path, want := range map[string]bool{
		`\\server\share\x`: true, `\\?\UNC\server\share\x`: true, `\\?\unc\s\x`: true, `//server/share`: true,
		`C:\x`: false, `\\?\C:\x`: false, `\\.\C:\x`: false, `\\?\Volume{0b7e1c3a-0000-0000-0000-100000000000}\x`: false,
	} {
		if got := isNetworkPath(path); got != want {
			t.Errorf("isNetworkPath(%q) = %v, want %v", path, got, want)
		}
	}
	if err := checkFS(t.TempDir()); err != nil {
		t.Fatalf("checkFS(local temp dir) = %v", err)
	}
}

// TestHandlesNotInherited: a child process does not inherit the lock.
func TestHandlesNotInherited(t *testing.T) {
	l := New(testDB(t), Options{})
	mustAcquire(t, l, ModeExclusive)
	defer l.Release()
	if inheritable(t, l.h.fd) || inheritable(t, l.h.lk) {
		t.Fatal("a handle of the lock file is inheritable")
	}
	if l.h.fd == l.h.lk {
		t.Fatal("the lock and the record share one handle")
	}
}
