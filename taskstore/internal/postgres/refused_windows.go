package postgres

import (
	"errors"
	"syscall"
)

// wsaeConnRefused is WSAECONNREFUSED, which Windows reports for a refused
// TCP connection ("No connection could be made because the target machine
// actively refused it.").
const wsaeConnRefused = syscall.Errno(10061)

// connRefused reports whether err is a refused TCP connection.
func connRefused(err error) bool { return errors.Is(err, wsaeConnRefused) }
