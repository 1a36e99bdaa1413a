package capture

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRulesGolden(t *testing.T) {
	cases := map[string][]string{
		"default": nil,
		"scoped": {"--include-inbound-ports", "8080,9090", "--include-outbound-ports", "3306",
			"--exclude-outbound-ports", "25", "--include-outbound-ip-ranges", "10.0.0.0/8,fd00::/8",
			"--exclude-outbound-ip-ranges", "10.1.2.3/32", "--proxy-gid", "0"},
		"no-inbound": {"--include-inbound-ports", ""},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			cmd, err := ParseFlags(args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, v6 := range []bool{false, true} {
				r, err := Rules(cmd.Config, v6)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&got, "# ipv6=%v\n%s", v6, r)
			}
			golden := "testdata/" + name + ".rules"
			if *update {
				os.WriteFile(golden, []byte(got.String()), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update)", err)
			}
			if got.String() != string(want) {
				t.Errorf("rules differ from %s:\n%s", golden, got.String())
			}
		})
	}
}

func TestParseFlagsErrors(t *testing.T) {
	_, err := ParseFlags([]string{"--exclude-inbound-ports", "80,x", "--include-outbound-ip-ranges", "1.2.3.4/40",
		"--exclude-outbound-ip-ranges", "*", "--inbound-port", "0"}, io.Discard)
	if err == nil {
		t.Fatal("bad flags accepted")
	}
	for _, want := range []string{
		`--exclude-inbound-ports: capture: "x" is not a port`,
		`--include-outbound-ip-ranges: capture: "1.2.3.4/40" is not a CIDR range`,
		`--exclude-outbound-ip-ranges: "*" is not allowed here`,
		"inbound port 0 is not a port",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestApplyInNetns installs and removes the rules inside a throwaway network
// namespace with the real iptables (CI runs as root and installs iptables).
func TestApplyInNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces (CI runs as root)")
	}
	for _, bin := range []string{"ip", "iptables-restore", "iptables-save"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: apt-get install iproute2 iptables", bin)
		}
	}
	ns := fmt.Sprintf("wasmesh-cap-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	run := func(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
		return ExecRunner(ctx, stdin, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
	}
	ctx := context.Background()
	cmd, err := ParseFlags([]string{"--exclude-outbound-ip-ranges", "10.9.0.0/16"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	save := func() string {
		out, err := run(ctx, nil, "iptables-save", "-t", "nat")
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	for i := 0; i < 2; i++ { // twice: Apply is idempotent
		if err := Apply(ctx, run, cmd.Config, false); err != nil {
			t.Fatal(err)
		}
	}
	got := save()
	for _, want := range []string{
		"-A PREROUTING -p tcp -j ISTIO_INBOUND",
		"-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006",
		"-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
		"-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN",
		"-A ISTIO_OUTPUT -d 10.9.0.0/16 -j RETURN",
		"-A ISTIO_INBOUND -p tcp -m tcp --dport 15021 -j RETURN",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("iptables-save lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "-A OUTPUT -p tcp -j ISTIO_OUTPUT"); n != 1 {
		t.Errorf("%d OUTPUT jumps after applying twice, want 1", n)
	}
	if err := Remove(ctx, run, false); err != nil {
		t.Fatal(err)
	}
	if got := save(); strings.Contains(got, "ISTIO_") {
		t.Errorf("rules left after Remove:\n%s", got)
	}
	if err := Remove(ctx, run, false); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}
