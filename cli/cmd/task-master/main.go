// Command task-master is another name for astro, kept for the commands in
// existing documentation such as `task-master task lock-status`.
package main

import (
	"os"

	"github.com/astrotask/astrotask-go/cli/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args))
}
