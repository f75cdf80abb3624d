//go:build unix

package sqlite

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
)

// The access(2) modes, alike on every Unix.
const (
	canRead  = 4 // R_OK
	canWrite = 2 // W_OK
	canEnter = 1 // X_OK
)

// unwritable says why this process cannot read and write the database at
// path, its -wal or -shm file, or (when one of them is still to be
// created) its directory, as access(2) tells; "" when it finds nothing
// wrong.
func unwritable(path string) string {
	missing := false
	for _, c := range []struct{ name, what string }{
		{path, "the file"}, {path + "-wal", "its -wal file"}, {path + "-shm", "its -shm file"},
	} {
		err := syscall.Access(c.name, canRead|canWrite)
		if errors.Is(err, fs.ErrNotExist) {
			missing = true
			continue
		}
		if why := denied(err, c.what); why != "" {
			return why
		}
	}
	if !missing {
		return ""
	}
	return denied(syscall.Access(filepath.Dir(path), canWrite|canEnter), "the directory")
}

func denied(err error, what string) string {
	switch {
	case errors.Is(err, syscall.EROFS):
		return what + " is on a read-only file system"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return what + " is read-only for this user (permission denied)"
	}
	return ""
}
