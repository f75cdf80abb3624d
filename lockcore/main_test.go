package lockcore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The test binary doubles as the helper processes of the multi-process
// tests, as in os/exec's tests: LOCKCORE_TEST_ROLE selects the role, and the
// other LOCKCORE_TEST_* variables configure it.
func TestMain(m *testing.M) {
	if role := os.Getenv("LOCKCORE_TEST_ROLE"); role != "" {
		os.Exit(runRole(role))
	}
	os.Exit(m.Run())
}

var roles = map[string]func() error{
	"hold":      roleHold,
	"contend":   roleContend,
	"readloop":  roleReadLoop,
	"writeloop": roleWriteLoop,
}

func runRole(role string) int {
	fn := roles[role]
	if fn == nil {
		fmt.Fprintln(os.Stderr, "unknown role", role)
		return 2
	}
	if err := fn(); err != nil {
		fmt.Fprintln(os.Stderr, role+":", err)
		return 1
	}
	return 0
}

func env(name string) string { return os.Getenv("LOCKCORE_TEST_" + name) }

func envInt(name string) int {
	n, _ := strconv.Atoi(env(name))
	return n
}

// roleOptions gives helpers a generous budget, so they do not fail on
// load, unless BUDGET (a duration) sets one.
func roleOptions() Options {
	o := Options{ProcessType: env("PROC"), MaxRetries: 600, RetryDelay: 100 * time.Millisecond}
	if d, err := time.ParseDuration(env("BUDGET")); err == nil {
		o.MaxRetries, o.RetryDelay = 1, d
	}
	return o
}

func roleAcquire(l *Lock) error {
	if Mode(env("MODE")) == ModeShared {
		return l.AcquireShared(context.Background())
	}
	return l.Acquire(context.Background())
}

// roleHold takes the lock, says "locked", and releases it on a "release"
// line or exits holding it when stdin closes. With HOLDUS set, a release
// comes no sooner than HOLDUS microseconds after acquisition (busy work, as
// in roleReadLoop). With GO set, it first waits for a "go" line.
func roleHold() error {
	l := New(env("DB"), roleOptions())
	sc := bufio.NewScanner(os.Stdin)
	if env("GO") != "" && !sc.Scan() {
		return errors.New("no go signal")
	}
	if err := roleAcquire(l); err != nil {
		return err
	}
	end := mono() + int64(envInt("HOLDUS"))*1000
	fmt.Println("locked")
	for sc.Scan() {
		if sc.Text() == "release" {
			for mono() < end {
			}
			if err := l.Release(); err != nil {
				return err
			}
			fmt.Println("released")
		}
	}
	return nil
}

// roleContend waits for "go", then takes the lock N times, recording each
// hold as "mode enter leave" (monotonic ns) in OUT. Exclusive holders
// increment the counter in COUNTER, a read-modify-write that loses updates
// without exclusion.
func roleContend() error {
	l, mode := New(env("DB"), roleOptions()), Mode(env("MODE"))
	fmt.Println("ready")
	if !bufio.NewScanner(os.Stdin).Scan() {
		return errors.New("no go signal")
	}
	var out strings.Builder
	for range envInt("N") {
		if err := roleAcquire(l); err != nil {
			return err
		}
		enter := mono()
		err := criticalSection(mode)
		fmt.Fprintf(&out, "%s %d %d\n", mode, enter, mono())
		l.Release()
		if err != nil {
			return err
		}
	}
	return os.WriteFile(env("OUT"), []byte(out.String()), 0o644)
}

func criticalSection(mode Mode) error {
	b, err := os.ReadFile(env("COUNTER"))
	if err != nil || mode == ModeShared {
		return err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return os.WriteFile(env("COUNTER"), []byte(strconv.Itoa(n+1)), 0o644)
}

// roleReadLoop takes and releases the shared lock with no gap until stdin
// closes, then prints how many holds it made. Each hold lasts HOLDUS
// microseconds of busy work, so that the readers' holds overlap.
func roleReadLoop() error { return loop(ModeShared) }

// roleWriteLoop is roleReadLoop with the exclusive lock.
func roleWriteLoop() error { return loop(ModeExclusive) }

func loop(mode Mode) error {
	l := New(env("DB"), roleOptions())
	var stop atomic.Bool
	go func() {
		for sc := bufio.NewScanner(os.Stdin); sc.Scan(); {
		}
		stop.Store(true)
	}()
	n := 0
	for ; !stop.Load(); n++ {
		if err := l.acquire(context.Background(), mode); err != nil {
			return err
		}
		if n == 0 {
			fmt.Println("ready")
		}
		for end := mono() + int64(envInt("HOLDUS"))*1000; mono() < end; {
		}
		l.Release()
	}
	fmt.Println("holds", n)
	return nil
}
