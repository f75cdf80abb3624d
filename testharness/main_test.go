package testharness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/astrotask/astrotask-go/testharness/internal/harness"
)

// The binaries TestMain builds once for the whole run.
var (
	selfBin  string // this test binary: the children run it
	astroBin string // the real astro CLI
	mcpBin   string // the real astrotask-mcp server
	buildErr error  // why building failed; every test fails with it
)

// TestMain turns the test binary into a child process when EnvRole is set
// (the os/exec test pattern): the competing processes are this binary,
// built with -race when the tests are. Otherwise it builds the real astro
// and astrotask-mcp binaries once for the run.
func TestMain(m *testing.M) {
	if harness.IsChild() {
		os.Exit(harness.RunChild())
	}
	dir, err := os.MkdirTemp("", "astrotask-harness-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildErr = buildAll(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildAll(dir string) error {
	var err error
	if selfBin, err = os.Executable(); err != nil {
		return err
	}
	astroBin = filepath.Join(dir, "astro")
	mcpBin = filepath.Join(dir, "astrotask-mcp")
	builds := []struct{ out, pkg string }{
		{astroBin, "../cli/cmd/astro"},
		{mcpBin, "../mcpserver/cmd/astrotask-mcp"},
	}
	for _, b := range builds {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return nil
}

// built fails the test if TestMain could not build the binaries.
func built(t *testing.T) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building the binaries failed: %v", buildErr)
	}
}
