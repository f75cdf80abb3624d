package app

import (
	"runtime"
	"runtime/debug"
)

// Version is the module version the Go toolchain stamped into the binary:
// the tag after `go install ...@v0.1.0`, else "devel".
func Version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// versionLine is what --version prints: the version, and the VCS revision
// of a local build, the Go version and the platform.
func versionLine() string {
	line := "astrotask-mcp version " + Version() + " ("
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				line += "revision " + s.Value + ", "
			case s.Key == "vcs.modified" && s.Value == "true":
				line = line[:len(line)-2] + " (modified), "
			}
		}
	}
	return line + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
