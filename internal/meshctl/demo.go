package meshctl

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/internal/demo"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var dir, bin string
		c := &cobra.Command{Use: "demo", Short: "Run the bookinfo demo mesh on loopback"}
		c.PersistentFlags().StringVar(&dir, "dir", filepath.Join(".cache", "demo"), "state, logs and meshd data of the demo")
		up := &cobra.Command{
			Use:   "up",
			Short: "Start meshd, bookinfo with mTLS sidecars and a gateway; walk through canary, fault, AuthorizationPolicy, Rego and a Wasm filter",
			Long: `up starts meshd, the bookinfo services (examples/bookinfo) each with a meshproxy
sidecar, and an ingress gateway, all on free loopback ports, building what --bin
lacks. It then applies the demo's steps one by one and prints, after traffic
through the gateway, what each did, checked against the proxies' own metrics.
The processes are recorded in --dir/state.json; Ctrl-C or 'meshctl demo down'
stops them all. --non-interactive runs the steps, prints and stops.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				once, _ := cmd.Flags().GetBool("non-interactive")
				requests, _ := cmd.Flags().GetInt("requests")
				root, err := findSDK()
				if err != nil {
					return usageError{fmt.Errorf("demo up: %w; run it from a wasmesh checkout", err)}
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				err = demo.Up(ctx, demo.Config{Dir: dir, Bin: bin, Root: root, NonInteractive: once, Requests: requests,
					Out: e.stdout, Progress: e.stderr})
				if err != nil {
					return failure{err}
				}
				return nil
			},
		}
		up.Flags().Bool("non-interactive", false, "run every step, print, stop everything and exit")
		up.Flags().Int("requests", 100, "requests per traffic burst")
		up.Flags().StringVar(&bin, "bin", "bin", "directory of meshd, meshproxy, bookinfo and filters/*.wasm (built when missing)")
		down := &cobra.Command{
			Use:   "down",
			Short: "Stop every process of a running demo",
			Args:  cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error {
				if err := demo.Down(dir, func(s string) { fmt.Fprintln(e.stderr, s) }); err != nil {
					return failure{err}
				}
				fmt.Fprintln(e.stdout, "demo stopped")
				return nil
			},
		}
		c.AddCommand(up, down)
		return c
	})
}
