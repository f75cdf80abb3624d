package main_test

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStdioThreads: over stdio the server runs on one thread, unless
// GOMAXPROCS says otherwise; its debug log says how many it has.
func TestStdioThreads(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{nil, "1"},
		{[]string{"GOMAXPROCS=3"}, "3"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			if got := serverThreads(t, tt.env); got != tt.want {
				t.Errorf("with %q the stdio server runs on %s threads, want %s", tt.env, got, tt.want)
			}
		})
	}
}

var threadsLog = regexp.MustCompile(`msg="database open" .*threads=(\d+)`)

// serverThreads starts a verbose stdio server with extra environment and
// returns the thread count its log gives.
func serverThreads(t *testing.T, extra []string) string {
	t.Helper()
	cmd := exec.Command(binary, "--db", dbPath(t), "--verbose")
	var env []string
	for _, kv := range cleanEnv() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, extra...)
	stdin, _ := cmd.StdinPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		defer close(found)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := threadsLog.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		for sc.Scan() {
		}
	}()
	var got string
	select {
	case got = <-found:
	case <-time.After(time.Minute):
		t.Error("no \"database open\" debug line within a minute")
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("server after end of input: %v", err)
	}
	return got
}
