package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// LockPath returns the lock file that guards the database at dbPath.
func LockPath(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), lockcore.LockFileName)
}

// Child is a running child process seen from its parent: its stdout lines
// are queued for Expect, its stdin takes commands, its stderr is kept for
// diagnostics.
type Child struct {
	Name string
	// KilledAt is the Mono reading taken just before SIGKILL, or 0.
	KilledAt int64

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr LockedBuffer

	mu     sync.Mutex
	lines  []string
	next   int
	notify chan struct{} // closed and replaced when a line arrives or stdout ends
	eof    bool

	done    chan struct{} // closed when the process has been waited for
	waitErr error
}

// Start runs bin as a child named name playing role with a.
func Start(bin, name, role string, a Args) (*Child, error) {
	return StartCmd(name, exec.Command(bin), Env(role, a))
}

// StartCmd starts cmd as a child with environment env (nil keeps cmd.Env).
func StartCmd(name string, cmd *exec.Cmd, env []string) (*Child, error) {
	c := &Child{Name: name, cmd: cmd, notify: make(chan struct{}), done: make(chan struct{})}
	c.stderr.Max = 1 << 20 // a chatty child must not fill the memory
	if env != nil {
		cmd.Env = env
	}
	cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go c.read(stdout)
	return c, nil
}

func (c *Child) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		c.mu.Lock()
		c.lines = append(c.lines, sc.Text())
		close(c.notify)
		c.notify = make(chan struct{})
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.eof = true
	close(c.notify)
	c.notify = make(chan struct{})
	c.mu.Unlock()
	c.waitErr = c.cmd.Wait()
	close(c.done)
}

// Pid returns the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Expect returns the next line that starts with prefix, skipping others,
// waiting at most d. It fails if the child's stdout ends first.
func (c *Child) Expect(prefix string, d time.Duration) (string, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for c.next < len(c.lines) {
			line := c.lines[c.next]
			c.next++
			if strings.HasPrefix(line, prefix) {
				c.mu.Unlock()
				return line, nil
			}
		}
		eof, notify := c.eof, c.notify
		c.mu.Unlock()
		if eof {
			<-c.done
			return "", fmt.Errorf("%s exited (%v) before printing %q; stderr: %s", c.Name, c.waitErr, prefix, c.Stderr())
		}
		select {
		case <-notify:
		case <-deadline.C:
			return "", fmt.Errorf("%s printed no %q within %v; stderr: %s", c.Name, prefix, d, c.Stderr())
		}
	}
}

// ExpectJSON is Expect followed by decoding the rest of the line into v.
func (c *Child) ExpectJSON(prefix string, d time.Duration, v any) error {
	line, err := c.Expect(prefix, d)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, prefix)), v); err != nil {
		return fmt.Errorf("%s: bad %q line %q: %w", c.Name, prefix, line, err)
	}
	return nil
}

// Send writes one command line to the child's stdin.
func (c *Child) Send(line string) error {
	_, err := io.WriteString(c.stdin, line+"\n")
	return err
}

// CloseStdin closes the child's stdin: roles that loop take it as "stop".
func (c *Child) CloseStdin() error { return c.stdin.Close() }

// Signal sends sig to the child.
func (c *Child) Signal(sig syscall.Signal) error { return syscall.Kill(c.Pid(), sig) }

// Kill records KilledAt, sends SIGKILL and waits for the process to be
// reaped.
func (c *Child) Kill() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s already exited (%v)", c.Name, c.waitErr)
	default:
	}
	c.KilledAt = Mono()
	if err := c.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-c.done
	return nil
}

// Wait waits at most d for the child to exit and returns its exit error.
func (c *Child) Wait(d time.Duration) error {
	select {
	case <-c.done:
	case <-time.After(d):
		return fmt.Errorf("%s still running after %v; stderr: %s", c.Name, d, c.Stderr())
	}
	if c.waitErr != nil {
		return fmt.Errorf("%s: %w; stderr: %s", c.Name, c.waitErr, c.Stderr())
	}
	return nil
}

// Exited reports whether the child has exited.
func (c *Child) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Stop kills the child if it is still running (a stopped child too) and
// waits for it. It is safe to call more than once.
func (c *Child) Stop() {
	if c.Exited() {
		return
	}
	_ = c.Signal(syscall.SIGKILL)
	<-c.done
}

// Stderr returns what the child wrote to stderr.
func (c *Child) Stderr() string { return c.stderr.String() }

// Lines returns every stdout line so far.
func (c *Child) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// LockedBuffer is a bytes.Buffer safe for the goroutines os/exec copies a
// child's output with and for readers at the same time. The zero value is
// an empty buffer that keeps everything.
type LockedBuffer struct {
	// Max, when positive, bounds what is kept: once the buffer holds more
	// than Max bytes, further writes succeed and are dropped.
	Max int

	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p, or drops it once the buffer is past Max.
func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Max > 0 && b.b.Len() > b.Max {
		return len(p), nil
	}
	return b.b.Write(p)
}

// Bytes returns a copy of what was kept.
func (b *LockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// String returns what was kept.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
