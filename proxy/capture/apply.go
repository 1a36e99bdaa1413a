package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Runner runs one command with stdin and returns its combined output. The
// default runs it directly; tests wrap it with `ip netns exec NS`.
type Runner func(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error)

// ExecRunner runs commands on this host.
func ExecRunner(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("capture: %s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// Apply installs the rules for IPv4 and, when withV6, IPv6. Existing wasmesh
// chains are removed first, so Apply is idempotent; other rules of the host
// are left alone (--noflush).
func Apply(ctx context.Context, run Runner, cfg Config, withV6 bool) error {
	for _, v6 := range families(withV6) {
		rules, err := Rules(cfg, v6)
		if err != nil {
			return err
		}
		if err := remove(ctx, run, v6); err != nil {
			return err
		}
		if _, err := run(ctx, []byte(rules), restoreCmd(v6), "--noflush"); err != nil {
			return err
		}
	}
	return nil
}

// Remove deletes the jumps into the wasmesh chains and the chains themselves.
// Removing rules that are not there is not an error.
func Remove(ctx context.Context, run Runner, withV6 bool) error {
	var errs []error
	for _, v6 := range families(withV6) {
		errs = append(errs, remove(ctx, run, v6))
	}
	return errors.Join(errs...)
}

func remove(ctx context.Context, run Runner, v6 bool) error {
	ipt := iptablesCmd(v6)
	// Jumps from the built-in chains, repeated until none is left.
	for _, jump := range [][]string{
		{"PREROUTING", "-p", "tcp", "-j", chainInbound},
		{"OUTPUT", "-p", "tcp", "-j", chainOutput},
	} {
		for i := 0; i < 16; i++ {
			if _, err := run(ctx, nil, ipt, append([]string{"-t", "nat", "-D"}, jump...)...); err != nil {
				break
			}
		}
	}
	for _, c := range Chains {
		run(ctx, nil, ipt, "-t", "nat", "-F", c) //nolint:errcheck // absent chain is fine
	}
	var errs []error
	for _, c := range Chains {
		if out, err := run(ctx, nil, ipt, "-t", "nat", "-X", c); err != nil && !absent(out) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func absent(out []byte) bool {
	s := string(out)
	return strings.Contains(s, "No chain") || strings.Contains(s, "does not exist")
}

func families(withV6 bool) []bool {
	if withV6 {
		return []bool{false, true}
	}
	return []bool{false}
}

func restoreCmd(v6 bool) string {
	if v6 {
		return "ip6tables-restore"
	}
	return "iptables-restore"
}

func iptablesCmd(v6 bool) string {
	if v6 {
		return "ip6tables"
	}
	return "iptables"
}
