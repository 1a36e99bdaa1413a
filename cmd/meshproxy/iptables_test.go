package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/proxy/capture"
)

func TestIPTablesDryRunPrintsRules(t *testing.T) {
	var out bytes.Buffer
	args := []string{"--outbound-port", "15001", "--inbound-port", "15006", "--exclude-inbound-ports", "15020,15021,15090", "--dry-run"}
	if err := runIPTables(context.Background(), args, &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	c, err := capture.ParseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := capture.Rules(c.Config, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# iptables-restore --noflush\n" + rules; out.String() != want {
		t.Fatalf("dry run printed:\n%s\nwant:\n%s", out.String(), want)
	}
	if !strings.Contains(out.String(), "--to-ports 15006") {
		t.Fatalf("no inbound redirect:\n%s", out.String())
	}
}

func TestIPTablesAppliesThroughRunner(t *testing.T) {
	var restored []byte
	var calls []string
	run := func(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
		calls = append(calls, name+" "+strings.Join(args, " "))
		if name == "iptables-restore" {
			restored = stdin
			return nil, nil
		}
		return []byte("iptables: No chain/target/match by that name."), errors.New("exit status 1")
	}
	if err := runIPTables(context.Background(), []string{"--inbound-port", "15006"}, io.Discard, io.Discard, run); err != nil {
		t.Fatalf("%v (calls %q)", err, calls)
	}
	if !bytes.Contains(restored, []byte("--to-ports 15006")) || calls[len(calls)-1] != "iptables-restore --noflush" {
		t.Fatalf("restore input %q, calls %q", restored, calls)
	}
	if err := runIPTables(context.Background(), []string{"--inbound-port", "x"}, io.Discard, io.Discard, run); err == nil {
		t.Fatal("bad flag accepted")
	}
}
