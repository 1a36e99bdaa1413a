// Command meshctl operates a wasmesh mesh: apply and analyze config, inspect
// proxies, inject sidecars, build and push filters and policies, run the demo.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wasmesh/wasmesh/internal/meshctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := meshctl.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
