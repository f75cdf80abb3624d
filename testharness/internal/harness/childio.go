package harness

import (
	"bufio"
	"fmt"
	"os"
)

// childIO is a child's side of the conversation with its parent: commands
// arrive as lines on stdin, reports leave as lines on stdout.
type childIO struct {
	cmds    chan string // closed at EOF
	stopped bool
}

func newChildIO() *childIO {
	c := &childIO{cmds: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			c.cmds <- sc.Text()
		}
		close(c.cmds)
	}()
	return c
}

// say prints one line to the parent.
func (c *childIO) say(format string, args ...any) {
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

// await blocks until the parent sends cmd; false if stdin closed first.
func (c *childIO) await(cmd string) bool {
	for line := range c.cmds {
		if line == cmd {
			return true
		}
	}
	return false
}

// stop reports, without blocking, whether the parent said "stop" or closed
// stdin.
func (c *childIO) stop() bool {
	for !c.stopped {
		select {
		case line, ok := <-c.cmds:
			if !ok || line == "stop" {
				c.stopped = true
			}
		default:
			return false
		}
	}
	return true
}
