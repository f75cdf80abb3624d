package taskstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func init() { extraRoles["open-full"] = openOnFullDisk }

// openOnFullDisk runs in a mount namespace of its own: it mounts a small
// tmpfs on the directory db names, fills it, and reports how opening a
// new database there goes. "nomount: ..." says it could not mount.
func openOnFullDisk(ctx context.Context, dir string, _ *bufio.Reader) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		fmt.Println("nomount:", err)
		return nil
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		fmt.Println("nomount:", err)
		return nil
	}
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		return err
	}
	for err == nil {
		_, err = f.Write(bytes.Repeat([]byte{0}, 4096))
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("filling the disk: %w", err)
	}
	fmt.Println(openReport(ctx, filepath.Join(dir, "new.db")))
	return nil
}

// TestOpenOnFullDisk: on a full disk, opening a new database fails with
// one line saying so. The helper mounts a tmpfs in a mount namespace of
// its own; where the system forbids that, the log says so and the test
// checks nothing.
func TestOpenOnFullDisk(t *testing.T) {
	dir := tempDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=open-full", "TASKSTORE_TEST_DB="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	if os.Geteuid() != 0 {
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Logf("no mount namespace here (%v): nothing checked", err)
		return
	}
	if strings.HasPrefix(string(out), "nomount:") {
		t.Logf("mounting is not permitted here (%s): nothing checked", strings.TrimSpace(string(out)))
		return
	}
	want := "open: open task db " + filepath.Join(dir, "new.db") + ": database or disk is full\n"
	if err != nil || string(out) != want {
		t.Fatalf("helper said %q, %v; want %q", out, err, want)
	}
	t.Log(strings.TrimSpace(string(out)))
}
