//go:build !race

package main_test

// raceEnabled reports whether the tests run under -race.
const raceEnabled = false
