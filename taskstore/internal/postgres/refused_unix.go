//go:build unix

package postgres

import (
	"errors"
	"syscall"
)

// connRefused reports whether err is a refused TCP connection.
func connRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
