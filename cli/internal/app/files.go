package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// MaxImportSize is the largest file `astro import` reads, 256 MiB: a
// larger one is refused without being read.
const MaxImportSize = 256 << 20

// maxLinks is how many symbolic links resolveTarget follows, as Linux does.
const maxLinks = 40

// fileTarget is the file that writing to a path replaces: the path itself,
// or the file its symbolic links lead to, so that the links stay links.
type fileTarget struct {
	path   string      // absolute; may hold ".." after a link
	exists bool        // the file is there now
	perm   fs.FileMode // its permission bits, when it exists
}

// resolveTarget follows the symbolic links of path's last element (a
// dangling link leads to the file it names, which a write creates). The
// result is a regular file or nothing yet: a directory, FIFO, device or
// socket is refused with a one-line error that names path.
func resolveTarget(path string) (fileTarget, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return fileTarget{}, err
	}
	for range maxLinks {
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fileTarget{path: p}, nil
		case err != nil:
			return fileTarget{}, err
		case fi.Mode()&fs.ModeSymlink != 0:
			if p, err = linkDest(p); err != nil {
				return fileTarget{}, err
			}
		case !fi.Mode().IsRegular():
			return fileTarget{}, fmt.Errorf("%s is not a regular file", path)
		default:
			return fileTarget{path: p, exists: true, perm: fi.Mode().Perm()}, nil
		}
	}
	return fileTarget{}, fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
}

// linkDest is where the symbolic link at p points. A relative destination
// is joined to p's directory without cleaning, so that ".." is resolved by
// the system, after any linked directory, as the link itself would be.
func linkDest(p string) (string, error) {
	dest, err := os.Readlink(p)
	if err != nil || filepath.IsAbs(dest) {
		return dest, err
	}
	return filepath.Dir(p) + string(filepath.Separator) + dest, nil
}

// write replaces the file's content with data atomically: data goes to a
// new file beside it, which is synced and renamed over it, so the file is
// whole, old or new, at every moment, and a failure leaves it as it was.
// An existing file keeps its permission bits; a new one gets 0666 less the
// process's umask, as any file created the usual way does. (Ownership is
// the writer's: a file that belonged to another user now belongs to us.)
func (t fileTarget) write(data []byte) error {
	perm := fs.FileMode(0o666)
	if t.exists {
		perm = t.perm
	}
	f, err := createTemp(filepath.Dir(t.path), filepath.Base(t.path), perm)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	if err := t.fill(f, data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), t.path)
}

// fill sets f's mode (before any data is in it: the umask may have made it
// narrower, never wider) and writes and syncs data.
func (t fileTarget) fill(f *os.File, data []byte) error {
	if t.exists {
		if err := f.Chmod(t.perm); err != nil {
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

// createTemp creates a new file ".BASE.RANDOM.tmp" in dir with perm (less
// the umask). Unlike os.CreateTemp, which always uses 0600, it lets the
// umask decide the mode of a new file.
func createTemp(dir, base string, perm fs.FileMode) (f *os.File, err error) {
	for range 10000 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return f, err
}

// readRegularFile reads the regular file at path, or the file its links
// lead to, if it holds at most limit bytes. A directory, FIFO, device or
// socket is refused without reading from it (opening a FIFO does not wait
// for a writer), and so is a larger file, with a one-line error that names
// path; a file that grows past limit while it is read is refused too.
func readRegularFile(path string, limit int64) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	tooLarge := fmt.Errorf("%s is larger than %s, the most import reads", path, sizeText(limit))
	if fi.Size() > limit {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}

// sizeText is n bytes in MiB when a whole number of them, else in bytes.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
