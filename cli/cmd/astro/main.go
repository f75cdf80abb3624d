// Command astro is the Astrotask command-line interface: a local task
// database shared by people and coding agents. Run `astro --help`.
package main

import (
	"os"

	"github.com/astrotask/astrotask-go/cli/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args))
}
