package sqlite

import "syscall"

// unwritable says why this process cannot write the database at path: ""
// unless the file has the read-only attribute (Windows enforces no such
// attribute on a directory).
func unwritable(path string) string {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return ""
	}
	attrs, err := syscall.GetFileAttributes(p)
	if err != nil || attrs&syscall.FILE_ATTRIBUTE_READONLY == 0 {
		return ""
	}
	return "the file is read-only"
}
