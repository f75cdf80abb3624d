package main

import "golang.org/x/sys/unix"

// cpuModel returns the CPU's brand string (sysctl machdep.cpu.brand_string),
// or "".
func cpuModel() string {
	s, _ := unix.Sysctl("machdep.cpu.brand_string")
	return s
}
