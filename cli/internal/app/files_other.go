//go:build !unix

package app

import "os"

// openNonBlocking opens path for reading. Outside Unix there are no FIFOs
// in the file system whose opening waits for a writer.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
