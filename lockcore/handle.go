package lockcore

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"sync"

	"golang.org/x/sync/semaphore"
)

// handle is the per-process state of one lock file.
//
// In memory, sem queues goroutines in FIFO order (a waiting writer holds back
// later readers) and rw is a witness so the race detector sees the exclusion.
// In the kernel, the process holds one lock through lk: exclusive for a
// writer, shared for any number of readers of this process. The record is
// read and written, and the writer gates are taken, through fd. On Unix fd
// and lk are one descriptor; on Windows, where I/O on a handle waits for a
// LockFileEx blocked on it, they are two handles of the file.
type handle struct {
	path string
	fd   sysFile
	lk   sysFile
	sem  *semaphore.Weighted
	rw   sync.RWMutex

	mu       sync.Mutex
	kmode    Mode          // kernel lock held by this process, "" if none
	readers  int           // shared holders in this process
	closed   bool          // a writer waits at a gate: readers may not join
	drained  chan struct{} // if not nil, closed when the kernel lock is dropped
	flight   *flight       // the kernel acquisition in progress, if any
	gateTurn uint          // which byte of its gate slot the next writer wait takes
	tmpl     recordTemplate
}

func newHandle(path string, fd, lk sysFile) *handle {
	return &handle{path: path, fd: fd, lk: lk, sem: semaphore.NewWeighted(writerWeight)}
}

// writerWeight is the semaphore weight of an exclusive holder: all of it.
const writerWeight = math.MaxInt32

// registry holds one handle per lock file per process, filed under every
// path it was asked for and under the file's key (see fileKey). Handles are
// never removed: the descriptor stays open for the life of the process, so
// the garbage collector can never close a held lock, and a lock cycle never
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
	if h := registry.m[nameKey(path)]; h != nil {
		registry.m[path] = h // the same file by another path
		return h, nil
	}
	fd, lk, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	return register(path, fd, lk), nil
}

// register files newly opened descriptors under path and the file's key.
// registry must be locked.
func register(path string, fd, lk sysFile) *handle {
	key := fileKey(path, fd)
	h := registry.m[key]
	if h == nil {
		h = newHandle(canonical(path), fd, lk)
	} else {
		closeFiles(fd, lk) // another path to it opened meanwhile; drops our gate at worst
	}
	if registry.m == nil {
		registry.m = make(map[string]*handle)
	}
	registry.m[path], registry.m[key] = h, h
	return h
}

func closeFiles(fd, lk sysFile) {
	fd.close()
	if lk != fd {
		lk.close()
	}
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
	return registry.m[nameKey(path)]
}

// claim is what a new holder writes, and where it logs.
type claim struct {
	mode Mode
	proc string
	log  *slog.Logger
}

// newClaim returns the claim of a caller; a nil logger is silent.
func newClaim(mode Mode, o Options) claim {
	return claim{mode: mode, proc: o.ProcessType, log: o.Logger}
}

// verbose reports whether debug logging is on. The uncontended path checks
// it before building log arguments, which would otherwise allocate.
func (c claim) verbose() bool { return c.log.Enabled(context.Background(), slog.LevelDebug) }

func (c claim) weight() int64 {
	if c.mode == ModeShared {
		return 1
	}
	return writerWeight
}

// tryKernel takes the kernel lock without blocking. h.mu must be held and
// the process must hold no kernel lock.
func (h *handle) tryKernel(c claim) (bool, error) {
	ok, err := h.tryFlock(c.mode)
	if !ok || err != nil {
		return false, err
	}
	h.kmode = c.mode
	if c.mode == ModeShared {
		h.readers, h.closed = 1, false
	}
	if err := h.record(c); err != nil {
		h.unlockKernel()
		return false, err
	}
	return true, nil
}

// tryFlock makes one non-blocking kernel attempt, unless a writer of
// another process waits at a gate: then this one queues too, so readers
// do not overtake a waiting writer, and a writer that has just released
// does not barge back in ahead of it.
func (h *handle) tryFlock(mode Mode) (bool, error) {
	if gateBusy(h.fd) {
		return false, nil
	}
	return kernelTry(h.lk, mode)
}

// joinShared admits one more reader of this process to its shared kernel
// lock, unless a writer somewhere waits at a gate. h.mu must be held.
func (h *handle) joinShared() bool {
	if !h.closed && gateBusy(h.fd) {
		h.closed = true
	}
	if h.closed {
		return false
	}
	h.readers++
	return true
}

// release gives back one hold of mode taken through h.acquire.
func (h *handle) release(mode Mode) {
	if mode == ModeShared {
		h.rw.RUnlock()
	} else {
		h.rw.Unlock()
	}
	h.mu.Lock()
	h.releaseLocked(mode)
	h.mu.Unlock()
	h.sem.Release(claim{mode: mode}.weight())
}

// releaseLocked gives back one hold of mode. h.mu must be held.
func (h *handle) releaseLocked(mode Mode) {
	if mode == ModeShared {
		if h.readers--; h.readers > 0 {
			return
		}
	}
	h.markFree()
	h.unlockKernel()
}

// unlockKernel drops the kernel lock. h.mu must be held.
func (h *handle) unlockKernel() {
	kernelUnlock(h.lk)
	h.kmode, h.readers, h.closed = "", 0, false
	if h.drained != nil {
		close(h.drained)
		h.drained = nil
	}
}

// drainedChan returns a channel closed when the kernel lock is dropped.
// h.mu must be held.
func (h *handle) drainedChan() <-chan struct{} {
	if h.drained == nil {
		h.drained = make(chan struct{})
	}
	return h.drained
}
