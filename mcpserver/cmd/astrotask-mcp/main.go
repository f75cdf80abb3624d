// Command astrotask-mcp serves the Astrotask task database to MCP clients
// (editors and coding agents) over stdio or Streamable HTTP. See
// `astrotask-mcp --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/astrotask/astrotask-go/mcpserver/internal/app"
)

// main stops cleanly on the first SIGINT or SIGTERM (the server answers
// what it has read, then exits); a second one ends the process at once.
// Over stdio it runs on one thread unless GOMAXPROCS says otherwise (see
// app.OneThread).
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	if app.OneThread(os.Args[1:], os.Getenv) {
		runtime.GOMAXPROCS(1)
	}
	code := app.Main(ctx, os.Args[1:], os.Getenv, app.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
