//go:build darwin || freebsd

package lockcore

import (
	"errors"
	"slices"
	"testing"
)

// TestNetworkFilesystemsRefused: on macOS and FreeBSD network filesystems
// are known by statfs type name, and a local temporary directory passes.
func TestNetworkFilesystemsRefused(t *testing.T) {
	for _, name := range []string{"nfs", "smbfs", "afpfs", "webdav", "macfuse"} {
		if !slices.Contains(networkFS, name) {
			t.Errorf("networkFS = %q, lacks %q", networkFS, name)
		}
	}
	if err := checkFS(t.TempDir()); err != nil {
		t.Fatalf("checkFS(local temp dir) = %v", err)
	}
	if err := checkFS("/nonexistent/x"); err == nil || errors.Is(err, ErrNetworkFS) {
		t.Fatalf("checkFS(missing dir) = %v, want an error that is not ErrNetworkFS", err)
	}
}
