package lockcore

import (
	"errors"
	"strings"

	"golang.org/x/sys/windows"
)

// checkFS refuses network filesystems: UNC paths and directories on a
// volume that Windows reports as remote (a mapped network drive).
func checkFS(dir string) error {
	if isNetworkPath(dir) {
		return networkErr(dir, "a UNC path")
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return classify("volume", dir, err)
	}
	buf := make([]uint16, windows.MAX_PATH+1)
	if err := windows.GetVolumePathName(p, &buf[0], uint32(len(buf))); err != nil {
		return classify("volume", dir, err)
	}
	root := windows.UTF16ToString(buf)
	if isNetworkPath(root) || windows.GetDriveType(&buf[0]) == windows.DRIVE_REMOTE {
		return networkErr(dir, "a network drive ("+root+")")
	}
	return nil
}

// isNetworkPath reports whether path names a file on another machine
// (\\server\share\..., \\?\UNC\server\share\...). Local device paths
// (\\?\C:\..., \\.\C:\..., \\?\Volume{...}\...) are not.
func isNetworkPath(path string) bool {
	p := strings.ReplaceAll(path, "/", `\`)
	switch {
	case hasPrefixFold(p, `\\?\UNC\`), hasPrefixFold(p, `\\.\UNC\`):
		return true
	case strings.HasPrefix(p, `\\?\`), strings.HasPrefix(p, `\\.\`), strings.HasPrefix(p, `\??\`):
		return false
	}
	return strings.HasPrefix(p, `\\`)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func networkErr(dir, what string) error {
	return &PathError{Op: "volume", Path: dir, Kind: ErrNetworkFS, Err: errors.New(what + " detected")}
}
