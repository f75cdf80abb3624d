package lockcore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// sysFile is an open file: a handle.
type sysFile windows.Handle

const shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE

// openLockFile creates the directory of path and opens the lock file twice:
// fd to read and write the record and to hold the gates, lk to hold the
// lock. A thread blocked in LockFileEx on a handle opened for synchronous
// I/O holds up every other I/O on that handle, so the blocking wait gets a
// handle of its own. Both handles share the file with other openers
// (reading, writing, deleting), are not inherited by child processes and do
// not follow a reparse point (symlink, junction). Network drives and UNC
// paths are refused, and so is anything but a regular file or a file with
// other names (hard links); nothing is written before these checks.
func openLockFile(path string) (fd, lk sysFile, err error) {
	dir := filepath.Dir(path)
	if isNetworkPath(dir) {
		return 0, 0, networkErr(dir, "a UNC path")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, classify("mkdir", dir, err)
	}
	if err := checkFS(dir); err != nil {
		return 0, 0, err
	}
	fd, id, err := openFile(path, windows.GENERIC_READ|windows.GENERIC_WRITE, windows.OPEN_ALWAYS)
	if err != nil {
		return 0, 0, err
	}
	lk, id2, err := openFile(path, windows.GENERIC_READ, windows.OPEN_EXISTING)
	if err == nil && id2 != id {
		lk.close()
		err = &os.PathError{Op: "lockcore: open", Path: path, Err: errors.New("lock file replaced while opening")}
	}
	if err != nil {
		fd.close()
		return 0, 0, err
	}
	return fd, lk, nil
}

// openReadOnly opens an existing lock file to inspect it, creating
// nothing. A missing file gives an error satisfying fs.ErrNotExist.
func openReadOnly(path string) (sysFile, error) {
	f, _, err := openFile(path, windows.GENERIC_READ, windows.OPEN_EXISTING)
	return f, err
}

// openFile opens a regular file and returns it with its identity (fileID).
func openFile(path string, access, disposition uint32) (sysFile, string, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, "", classify("open", path, err)
	}
	h, err := windows.CreateFile(p, access, shareAll, nil, disposition,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		if what := notRegular(path); what != "" && errors.Is(err, fs.ErrPermission) {
			return 0, "", &PathError{Op: "open", Path: path, Kind: ErrNotRegular, Err: fmt.Errorf("found %s (%w)", what, err)}
		}
		return 0, "", classify("open", path, err)
	}
	id, err := checkRegular(sysFile(h), path)
	if err != nil {
		windows.CloseHandle(h)
		return 0, "", err
	}
	return sysFile(h), id, nil
}

// notRegular names what is at path when it is a directory or a reparse
// point, which CreateFile refuses to open as a file; "" otherwise.
func notRegular(path string) string {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return ""
	}
	attrs, err := windows.GetFileAttributes(p)
	return kindOf(attrs, err)
}

func kindOf(attrs uint32, err error) string {
	switch {
	case err != nil:
		return ""
	case attrs&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		return "a symlink or junction"
	case attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
		return "a directory"
	}
	return ""
}

// checkRegular refuses anything but a regular file, and a file with other
// names (hard links), and returns the file's identity.
func checkRegular(f sysFile, path string) (string, error) {
	var fi windows.ByHandleFileInformation
	err := windows.GetFileInformationByHandle(windows.Handle(f), &fi)
	if err != nil {
		return "", classify("stat", path, err)
	}
	what := kindOf(fi.FileAttributes, nil)
	if t, err := windows.GetFileType(windows.Handle(f)); what == "" && (err != nil || t != windows.FILE_TYPE_DISK) {
		what = "a device or other non-regular file"
	}
	if what != "" {
		return "", &PathError{Op: "open", Path: path, Kind: ErrNotRegular, Err: errors.New("found " + what)}
	}
	if fi.NumberOfLinks > 1 {
		return "", &PathError{Op: "open", Path: path, Kind: ErrHardLinked, Err: fmt.Errorf("found %d links", fi.NumberOfLinks)}
	}
	return idOf(&fi), nil
}

// classify maps a system error to its sentinel.
func classify(op, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	kind := error(nil)
	switch {
	case errors.Is(err, windows.ERROR_WRITE_PROTECT):
		kind = ErrReadOnly
	case errors.Is(err, fs.ErrPermission):
		kind = ErrPermission
	default:
		return &os.PathError{Op: "lockcore: " + op, Path: path, Err: err}
	}
	return &PathError{Op: op, Path: path, Kind: kind, Err: err}
}

// fileID identifies the file open as f: its volume's serial number and its
// file index, the same whatever spelling of the path opened it (case, 8.3
// short names, symlinks or junctions in the directory).
func fileID(f sysFile) (string, bool) {
	var fi windows.ByHandleFileInformation
	if windows.GetFileInformationByHandle(windows.Handle(f), &fi) != nil {
		return "", false
	}
	return idOf(&fi), true
}

func idOf(fi *windows.ByHandleFileInformation) string {
	return fmt.Sprintf("id:%08x:%08x%08x", fi.VolumeSerialNumber, fi.FileIndexHigh, fi.FileIndexLow)
}

// fileKey gives the registry key of the lock file open as f: its identity
// (fileID), so that all spellings of a path share one handle. nameKey gives
// the same key for a path without opening the file for I/O, or "" when it
// does not exist yet. Closing a second handle of the file costs nothing on
// Windows, where locks belong to the handle that took them.
func fileKey(path string, f sysFile) string {
	if id, ok := fileID(f); ok {
		return id
	}
	return canonical(path)
}

func nameKey(path string) string {
	if isNetworkPath(path) {
		return "" // refused when opened; never reach for the network here
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return ""
	}
	h, err := windows.CreateFile(p, windows.FILE_READ_ATTRIBUTES, shareAll, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	id, _ := fileID(sysFile(h))
	return id
}

func at(off int64) windows.Overlapped {
	return windows.Overlapped{Offset: uint32(off), OffsetHigh: uint32(off >> 32)}
}

// readAt reads at off through an OVERLAPPED offset, which a handle opened
// for synchronous I/O honours without a seek.
func (f sysFile) readAt(b []byte, off int64) (int, error) {
	var n uint32
	ov := at(off)
	err := windows.ReadFile(windows.Handle(f), b, &n, &ov)
	if err == windows.ERROR_HANDLE_EOF {
		err = nil
	}
	return int(n), err
}

func (f sysFile) writeAt(b []byte, off int64) error {
	var n uint32
	ov := at(off)
	err := windows.WriteFile(windows.Handle(f), b, &n, &ov)
	if err == nil && int(n) != len(b) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	return err
}

// fileStandardInfo is FILE_STANDARD_INFO. It gives the size without the
// volume queries of GetFileInformationByHandle (slow under Wine).
type fileStandardInfo struct {
	AllocationSize, EndOfFile int64
	NumberOfLinks             uint32
	DeletePending, Directory  bool
}

func (f sysFile) size() (int64, error) {
	var fi fileStandardInfo
	err := windows.GetFileInformationByHandleEx(windows.Handle(f), windows.FileStandardInfo,
		(*byte)(unsafe.Pointer(&fi)), uint32(unsafe.Sizeof(fi)))
	return fi.EndOfFile, err
}

func (f sysFile) truncate(size int64) error { return windows.Ftruncate(windows.Handle(f), size) }

func (f sysFile) close() { windows.CloseHandle(windows.Handle(f)) }
