package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// rawServer is astrotask-mcp on stdio driven with raw JSON-RPC lines.
type rawServer struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	answers chan map[string]any // each stdout line, decoded; closed at EOF
	stderr  chan string         // each stderr line; closed at EOF
	log     *syncBuffer         // all of stderr
	exited  bool
}

// startRaw starts astrotask-mcp with args; it is killed at the end of the
// test unless it has exited.
func startRaw(t *testing.T, args ...string) *rawServer {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	prepareInterrupt(cmd)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	s := &rawServer{t: t, cmd: cmd, stdin: stdin, answers: make(chan map[string]any, 1000), stderr: make(chan string, 1000), log: &syncBuffer{}}
	go func() {
		defer close(s.answers)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
				m = map[string]any{"notJSONRPC": sc.Text()}
			}
			s.answers <- m
		}
	}()
	go func() {
		defer close(s.stderr)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.log.Write([]byte(sc.Text() + "\n"))
			select {
			case s.stderr <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if !s.exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return s
}

// send writes lines to stdin from another goroutine.
func (s *rawServer) send(lines ...string) {
	go func() {
		for _, l := range lines {
			if _, err := io.WriteString(s.stdin, l+"\n"); err != nil {
				return
			}
		}
	}()
}

// next returns the next stdout message, failing the test if stdout ends
// or nothing comes within a minute.
func (s *rawServer) next() map[string]any {
	s.t.Helper()
	select {
	case m, ok := <-s.answers:
		if !ok {
			s.t.Fatalf("stdout ended, want another message; stderr:\n%s", s.log.String())
		}
		if m["notJSONRPC"] != nil {
			s.t.Fatalf("stdout line is not JSON-RPC: %.200q", m["notJSONRPC"])
		}
		return m
	case <-time.After(time.Minute):
		s.t.Fatalf("no message on stdout within a minute; stderr:\n%s", s.log.String())
	}
	return nil
}

// rest returns every stdout message until stdout ends.
func (s *rawServer) rest() []map[string]any {
	s.t.Helper()
	var all []map[string]any
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case m, ok := <-s.answers:
			if !ok {
				return all
			}
			all = append(all, m)
		case <-deadline:
			s.t.Fatalf("stdout still open two minutes on (%d messages so far)", len(all))
		}
	}
}

// wait waits for the process to exit and returns its exit code.
func (s *rawServer) wait() int {
	s.t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
		s.exited = true
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(time.Minute):
		s.t.Fatalf("server still running a minute later; stderr:\n%s", s.log.String())
	}
	return -1
}

// waitLog waits for a stderr line containing want; it reports whether one
// came within d.
func (s *rawServer) waitLog(want string, d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case line, ok := <-s.stderr:
			if !ok {
				return false
			}
			if strings.Contains(line, want) {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// rpcError returns a message's error code, 0 for a result.
func rpcError(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	if e == nil {
		return 0
	}
	code, _ := e["code"].(float64)
	return code
}

const initializeRaw = `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

// handshake initializes the session.
func (s *rawServer) handshake() {
	s.t.Helper()
	s.send(initializeRaw, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if m := s.next(); m["id"] != "init" || rpcError(m) != 0 {
		s.t.Fatalf("initialize answered %v", m)
	}
}
