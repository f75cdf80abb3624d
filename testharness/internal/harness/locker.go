package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/astrotask/astrotask-go/lockcore"
)

// locker is the lock a child drives: lockcore's public API, or the raw
// baseline.
type locker interface {
	Acquire(ctx context.Context) error
	AcquireShared(ctx context.Context) error
	Release() error
}

func newLocker(a Args) (locker, error) {
	switch a.Impl {
	case "", ImplLockcore:
		return lockcore.New(a.DB, a.LockOptions()), nil
	case ImplRaw:
		return openRaw(a.DB)
	case ImplNone:
		return noLock{}, nil
	}
	return nil, fmt.Errorf("unknown impl %q", a.Impl)
}

func acquire(ctx context.Context, l locker, shared bool) error {
	if shared {
		return l.AcquireShared(ctx)
	}
	return l.Acquire(ctx)
}

// noLock excludes nobody: the control that shows the harness sees a broken
// lock.
type noLock struct{}

func (noLock) Acquire(context.Context) error       { return nil }
func (noLock) AcquireShared(context.Context) error { return nil }
func (noLock) Release() error                      { return nil }

// RawLock is the floor every figure is compared with: flock(2) on a file
// descriptor opened once, one pwrite of a fixed-size record, and unlock. It
// waits in the kernel without a budget and knows nothing of holders.
type RawLock struct {
	f      *os.File
	record []byte
}

func openRaw(dbPath string) (*RawLock, error) {
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockcore.LockFileName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	rec := fmt.Appendf(nil, `{"pid":%d,"timestamp":0,"host":"raw","process":"raw"}`, os.Getpid())
	padded := make([]byte, lockcore.RecordSize)
	for i := range padded {
		padded[i] = ' '
	}
	copy(padded, rec)
	padded[len(padded)-1] = '\n'
	return &RawLock{f: f, record: padded}, nil
}

// OpenRawLock opens the raw baseline lock for the database at dbPath.
func OpenRawLock(dbPath string) (*RawLock, error) { return openRaw(dbPath) }

// Acquire takes the exclusive flock and writes the record.
func (r *RawLock) Acquire(context.Context) error { return r.lock(unix.LOCK_EX) }

// AcquireShared takes the shared flock and writes the record.
func (r *RawLock) AcquireShared(context.Context) error { return r.lock(unix.LOCK_SH) }

func (r *RawLock) lock(how int) error {
	fd := int(r.f.Fd())
	for {
		err := unix.Flock(fd, how)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	_, err := unix.Pwrite(fd, r.record, 0)
	return err
}

// Release unlocks.
func (r *RawLock) Release() error { return unix.Flock(int(r.f.Fd()), unix.LOCK_UN) }

// Close closes the descriptor.
func (r *RawLock) Close() error { return r.f.Close() }
