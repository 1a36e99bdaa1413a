package main

import (
	"context"
	"fmt"
	"io"

	"github.com/wasmesh/wasmesh/proxy/capture"
)

// runIPTables is `meshproxy iptables [flags]`, the injected init container:
// it installs (or with --clean removes) the traffic capture rules, or with
// --dry-run prints the iptables-restore input.
func runIPTables(ctx context.Context, args []string, stdout, stderr io.Writer, run capture.Runner) error {
	c, err := capture.ParseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.DryRun {
		if c.Remove {
			fmt.Fprintln(stdout, "# --clean: the wasmesh chains and the jumps into them would be removed")
			return nil
		}
		v6s := []bool{false}
		if c.IPv6 {
			v6s = append(v6s, true)
		}
		for _, v6 := range v6s {
			rules, err := capture.Rules(c.Config, v6)
			if err != nil {
				return err
			}
			if v6 {
				fmt.Fprintln(stdout, "# ip6tables-restore --noflush")
			} else {
				fmt.Fprintln(stdout, "# iptables-restore --noflush")
			}
			if _, err := io.WriteString(stdout, rules); err != nil {
				return err
			}
		}
		return nil
	}
	if c.Remove {
		return capture.Remove(ctx, run, c.IPv6)
	}
	return capture.Apply(ctx, run, c.Config, c.IPv6)
}
