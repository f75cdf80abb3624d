package lockcore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
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
	"gofrs":     roleGofrs,
	"fdcheck":   roleFDCheck,
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
