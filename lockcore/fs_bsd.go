//go:build darwin || freebsd

package lockcore

import (
	"bytes"
	"errors"
	"strings"

	"golang.org/x/sys/unix"
)

// networkFS lists filesystem type names whose locks cannot be trusted
// between machines.
var networkFS = []string{"nfs", "smbfs", "afpfs", "webdav", "cifs", "fuse", "macfuse", "osxfuse"}

// checkFS refuses network filesystems, by statfs type name.
func checkFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return classify("statfs", dir, err)
	}
	name := string(bytes.TrimRight(st.Fstypename[:], "\x00"))
	for _, bad := range networkFS {
		if strings.HasPrefix(name, bad) {
			return &PathError{Op: "statfs", Path: dir, Kind: ErrNetworkFS, Err: errors.New(name + " detected")}
		}
	}
	return nil
}
