// Package probe has no code. Its tests record what the Windows features that
// Astrotask's lock relies on do where they run: under Wine on Linux
// (scripts/wine/test.sh) or on real Windows (go test -v). Where Wine and
// Windows differ, the tests log what they see instead of failing; README.md
// has the results.
package probe
