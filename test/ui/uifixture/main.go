// Command uifixture serves the dashboard with the bookinfo fixture on
// loopback, to look at it by hand:
//
//	go run ./test/ui/uifixture -addr 127.0.0.1:15014
//	open http://127.0.0.1:15014/ui/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/wasmesh/wasmesh/control/ui"
	"github.com/wasmesh/wasmesh/test/ui/fixture"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:15014", "listen address (loopback)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	mesh, err := fixture.Start()
	if err != nil {
		return err
	}
	defer mesh.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("uifixture: %w", err)
	}
	src := mesh.Sources()
	src.Logger = slog.Default()
	srv := &http.Server{Handler: ui.Handler(src), ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf("http://%s/ui/\n", ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("uifixture: %w", err)
	}
	return nil
}
