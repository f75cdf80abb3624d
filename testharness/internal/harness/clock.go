package harness

import "golang.org/x/sys/unix"

// Mono returns CLOCK_MONOTONIC in nanoseconds. Unlike the monotonic reading
// inside time.Time, which counts from the start of the process, it is
// comparable between processes on one machine, so intervals recorded by
// different processes can be swept together.
func Mono() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic("harness: clock_gettime(CLOCK_MONOTONIC): " + err.Error())
	}
	return ts.Nano()
}
