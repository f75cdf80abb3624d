package lockcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReadOnlyFilesystem runs a helper in its own mount namespace that
// mounts a read-only tmpfs: a new lock there, and an existing lock file on a
// filesystem remounted read-only, both give ErrReadOnly. Where the system
// forbids mount namespaces (unprivileged, with user namespaces restricted),
// only the mapping of EROFS is checked, and the log says so.
func TestReadOnlyFilesystem(t *testing.T) {
	if err := classify("open", "/x", unix.EROFS); !errors.Is(err, ErrReadOnly) || errors.Is(err, ErrLocked) {
		t.Fatalf("classify(EROFS) = %v, want ErrReadOnly", err)
	}
	probe := namespaced(helperCmd("fdcheck"))
	if err := probe.Run(); err != nil {
		t.Logf("no mount namespace here (%v): checked the EROFS mapping only", err)
		return
	}
	h := startCmd(t, namespaced(helperCmd("rofs", "DIR", t.TempDir())))
	first := h.expect("")
	if strings.HasPrefix(first, "nomount:") {
		t.Logf("mounting is not permitted here (%s): checked the EROFS mapping only", first)
		h.wait()
		return
	}
	for i, got := range []string{first, h.expect("permission=")} {
		if !strings.HasPrefix(got, "permission=false readonly=true notregular=false locked=false") {
			t.Fatalf("case %d (new, existing lock file): helper said %q, want ErrReadOnly only", i, got)
		}
	}
	h.wait()
}

// namespaced runs cmd in its own mount namespace (and user namespace when
// not root, where the system allows it).
func namespaced(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	if os.Geteuid() != 0 {
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	return cmd
}

func TestNetworkFilesystemsRefused(t *testing.T) {
	for magic, name := range map[int64]string{0x6969: "NFS", 0xff534d42: "CIFS", 0xfe534d42: "SMB2", 0x517b: "SMB", 0x65735546: "FUSE"} {
		if got, bad := networkFS[magic]; !bad || got != name {
			t.Errorf("networkFS[%#x] = %q, %v; want %q", magic, got, bad, name)
		}
	}
	if err := checkFS(t.TempDir()); err != nil {
		t.Fatalf("checkFS(local temp dir) = %v", err)
	}
	err := &PathError{Op: "statfs", Path: "/mnt/x", Kind: ErrNetworkFS}
	if !errors.Is(err, ErrNetworkFS) || errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("network fs error = %v", err)
	}
}

func init() { roles["rofs"] = roleReadOnlyFS }

// roleReadOnlyFS runs in its own mount namespace: it mounts a read-only
// tmpfs on DIR and tries a new lock there, then a lock file that exists on
// a filesystem remounted read-only.
func roleReadOnlyFS() error {
	dir := env("DIR")
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		fmt.Println("nomount:", err)
		return nil
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_RDONLY, ""); err != nil {
		fmt.Println("nomount:", err)
		return nil
	}
	fmt.Println(describe(New(filepath.Join(dir, "data", "a.db"), Options{}).Acquire(context.Background())))
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT, ""); err != nil {
		return fmt.Errorf("remount rw: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, LockFileName), nil, 0o644); err != nil {
		return err
	}
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("remount ro: %w", err)
	}
	fmt.Println(describe(New(filepath.Join(dir, "a.db"), Options{}).Acquire(context.Background())))
	return nil
}
