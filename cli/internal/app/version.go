package app

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// buildInfo is what a binary knows of its own build.
type buildInfo struct {
	Version  string `json:"version"`            // the module version: a tag, a pseudo-version, or "devel"
	Revision string `json:"revision,omitempty"` // the VCS commit of a local build
	Modified bool   `json:"modified,omitempty"` // the working tree had uncommitted changes
	Go       string `json:"go"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
}

// readBuildInfo reads the module version and VCS stamp that the Go
// toolchain put into the binary: the tag after `go install ...@v0.1.0`,
// "devel" and the revision for a local build.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "devel", Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is what `astro --version` prints after "astro version":
// "v0.1.0 (go1.26.8 linux/amd64)", with the revision of a local build.
func (b buildInfo) String() string {
	rev := ""
	if b.Revision != "" {
		rev = "revision " + b.Revision
		if b.Modified {
			rev += " (modified)"
		}
		rev += ", "
	}
	return fmt.Sprintf("%s (%s%s %s/%s)", b.Version, rev, b.Go, b.OS, b.Arch)
}

// versionCommand is `astro version [--json]`.
func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version of astro (also: astro --version)",
		UsageText: "astro version [--json]",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			b := readBuildInfo()
			if c.Bool("json") {
				return writeJSON(e.stdout, b)
			}
			fmt.Fprintln(e.stdout, c.App.Name, "version", b)
			return nil
		},
	}
}
