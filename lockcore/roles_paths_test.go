//go:build linux

package lockcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

func init() {
	roles["paths"] = rolePaths
	roles["rofs"] = roleReadOnlyFS
}

// describe prints which sentinels err satisfies, for the parent to check.
func describe(err error) string {
	return fmt.Sprintf("permission=%v readonly=%v notregular=%v locked=%v nil=%v",
		errors.Is(err, ErrPermission), errors.Is(err, ErrReadOnly),
		errors.Is(err, ErrNotRegular), errors.Is(err, ErrLocked), err == nil)
}

// rolePaths tries to acquire the lock on DB and describes the error.
func rolePaths() error {
	err := New(env("DB"), roleOptions()).Acquire(context.Background())
	fmt.Println(describe(err))
	fmt.Fprintln(os.Stderr, err)
	return nil
}

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
