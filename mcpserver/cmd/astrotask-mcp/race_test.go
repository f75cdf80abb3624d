//go:build race

package main_test

// raceEnabled reports whether the tests run under -race; the binaries they
// build then get -race too, so that races in the server show up end to end.
const raceEnabled = true
