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
	if h := registry.m[canonical(path)]; h != nil {
		registry.m[path] = h // the same file through a symlinked directory
		return h, nil
	}
	fd, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	return register(path, fd), nil
}

// register files a newly opened descriptor under path and its canonical
// path. registry must be locked.
func register(path string, fd int) *handle {
	canon := canonical(path)
	h := registry.m[canon]
	if h == nil {
		h = newHandle(canon, fd)
	} else {
		closeFD(fd) // a symlinked directory created meanwhile; drops our gate at worst
	}
	if registry.m == nil {
		registry.m = make(map[string]*handle)
	}
	registry.m[path], registry.m[canon] = h, h
	return h
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
