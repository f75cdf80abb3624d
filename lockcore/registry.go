package lockcore

import (
	"path/filepath"
	"sync"
)

// registry holds one handle per lock file per process. Handles are never
// removed: the descriptor stays open for the life of the process, so the
// garbage collector can never close a held lock, and a lock cycle never
// reopens the file.
var registry struct {
	sync.Mutex
	m map[string]*handle
}

// lookup returns the handle for the lock file at path (absolute), opening it
// on first use. A failed open is not remembered.
func lookup(path string) (*handle, error) {
	registry.Lock()
	defer registry.Unlock()
	if h := registry.m[path]; h != nil {
		return h, nil
	}
	fd, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	canon := canonical(path)
	h := registry.m[canon]
	if h == nil {
		h = newHandle(canon, fd)
	} else {
		closeFD(fd) // the same file reached through a symlinked directory
	}
	if registry.m == nil {
		registry.m = make(map[string]*handle)
	}
	registry.m[path], registry.m[canon] = h, h
	return h, nil
}

// canonical resolves symlinks in the directory of path.
func canonical(path string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return path
	}
	return filepath.Join(dir, filepath.Base(path))
}

// lockPath returns the absolute lock file path for a database path.
func lockPath(dbPath string) string {
	p := filepath.Join(filepath.Dir(dbPath), LockFileName)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// peek returns the handle for path if this process has opened it.
func peek(path string) *handle {
	registry.Lock()
	defer registry.Unlock()
	if h := registry.m[path]; h != nil {
		return h
	}
	return registry.m[canonical(path)]
}
