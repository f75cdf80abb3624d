//go:build unix

package lockcore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gofrs/flock"
)

func init() { roles["gofrs"] = roleGofrs }

// TestGofrsHolderExcludes: a holder using github.com/gofrs/flock on the same
// file excludes us, as the kernel lock is shared truth.
func TestGofrsHolderExcludes(t *testing.T) {
	db := testDB(t)
	l := New(db, quick)
	mustAcquire(t, l, ModeExclusive) // creates the file
	l.Release()
	h := startHelper(t, "gofrs", "LOCKPATH", l.Path())
	h.expect("locked")
	if ok, err := l.TryAcquire(); ok || err != nil {
		t.Fatalf("TryAcquire against a gofrs/flock holder = %v, %v", ok, err)
	}
	if err := l.Acquire(context.Background()); err == nil || err.Error() != anotherProcess {
		t.Fatalf("Acquire = %v, want %q", err, anotherProcess)
	}
	h.wait()
	mustAcquire(t, l, ModeExclusive)
}

// roleGofrs holds the lock file through github.com/gofrs/flock, as another
// tool might, until stdin closes.
func roleGofrs() error {
	fl := flock.New(env("LOCKPATH"))
	if err := fl.Lock(); err != nil {
		return err
	}
	fmt.Println("locked")
	for sc := bufio.NewScanner(os.Stdin); sc.Scan(); {
	}
	return fl.Unlock()
}
