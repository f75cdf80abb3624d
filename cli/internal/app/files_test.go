package app

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestReadRegularFileLimit(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.json")
	if err := os.WriteFile(small, []byte("0123456789abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := readRegularFile(small, 16); err != nil || string(b) != "0123456789abcdef" {
		t.Errorf("readRegularFile(16 bytes, limit 16) = %q, %v", b, err)
	}
	tooLarge := []string{small}
	if runtime.GOOS == "linux" {
		// /proc files say they are empty and are not: the limit holds
		// while reading too.
		tooLarge = append(tooLarge, "/proc/self/status")
	}
	for _, path := range tooLarge {
		b, err := readRegularFile(path, 15)
		if err == nil || !strings.HasSuffix(err.Error(), " is larger than 15 bytes, the most import reads") || b != nil {
			t.Errorf("readRegularFile(%s, limit 15) = %q, %v; want a too-large error", path, b, err)
		}
	}
}
