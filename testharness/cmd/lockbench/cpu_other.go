//go:build unix && !linux && !darwin

package main

// cpuModel is unknown here.
func cpuModel() string { return "" }
