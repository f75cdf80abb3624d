package lockcore

import (
	"math"
	"sync"

	"golang.org/x/sync/semaphore"
	"golang.org/x/sys/unix"
)

// writerWeight is the semaphore weight of an exclusive holder: all of it.
const writerWeight = math.MaxInt32

// handle is the per-process state of one lock file.
//
// In memory, sem queues goroutines in FIFO order (a waiting writer holds back
// later readers) and rw is a witness so the race detector sees the exclusion.
// In the kernel, the process holds one flock on fd: exclusive for a writer,
// shared for any number of readers of this process.
type handle struct {
	path string
	fd   int
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

func newHandle(path string, fd int) *handle {
	return &handle{path: path, fd: fd, sem: semaphore.NewWeighted(writerWeight)}
}

func closeFD(fd int) { unix.Close(fd) }

// unlockKernel drops the kernel lock. h.mu must be held.
func (h *handle) unlockKernel() {
	flockOp(h.fd, unix.LOCK_UN)
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

// markFree marks the record given back as the last hold goes, so a lock
// released normally reads as free and only a holder that died leaves a
// "held" record behind. It rewrites the four bytes of the state in place
// (see LockInfo.State). After a shared hold the record is marked only if no
// other process still reads: the kernel lock is converted to exclusive
// without waiting, which fails while another reader holds on (the
// conversion may drop the shared lock first; it is being given back
// anyway). A failed write is ignored: the record only decorates. h.mu must
// be held.
func (h *handle) markFree() {
	if h.kmode == ModeShared {
		if ok, err := flockOp(h.fd, unix.LOCK_EX|unix.LOCK_NB); !ok || err != nil {
			return
		}
	}
	unix.Pwrite(h.fd, freeState, int64(len(statePrefix)))
}

var freeState = []byte(StateFree)
