//go:build linux

package netns

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The test's private addresses, on veths it creates and removes: the host
// side of the bridge, the pods, and a service address (VIP) no interface
// holds — the pods route it to the host and capture it before it leaves.
const (
	subnet  = "10.251.0.0/24"
	hostIP  = "10.251.0.1"
	vipNet  = "10.251.1.0/24"
	serveIP = "10.251.1.10"
)

// pod is a network namespace with one veth on the bridge.
type pod struct {
	name, ns, ip string
}

// network is a bridge in a namespace of its own (so the host's firewall
// and br_netfilter settings do not see the pods' traffic), a veth from the
// host to it, and a veth from it to each pod.
type network struct {
	bridgeNS, hostIf string
	pods             map[string]*pod
}

// requireNetns fails the test unless it can create namespaces and rules.
func requireNetns(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the traffic-capture e2e needs root (network namespaces, veths, iptables): run it as root, e.g. sudo -E go test ./test/netns/")
	}
	for _, bin := range []string{"ip", "iptables", "iptables-restore"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: apt-get install iproute2 iptables", bin)
		}
	}
}

// ipCmd runs ip(8) and fails the test on error.
func ipCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newNetwork creates the bridge and one pod per name (addresses .2, .3, …)
// and removes them all when the test ends, even on failure.
func newNetwork(t *testing.T, names ...string) *network {
	t.Helper()
	removeStale(t)
	if out := ipCmd(t, "-o", "addr", "show"); strings.Contains(out, " 10.251.") {
		t.Fatalf("this host already has an address in 10.251.0.0/16 (a leftover of an earlier run? `ip -o addr show` | grep 10.251; `ip netns list`):\n%s", out)
	}
	id := strconv.Itoa(os.Getpid())
	n := &network{bridgeNS: "wmnet-" + id + "-br", hostIf: "wm" + id + "h", pods: map[string]*pod{}}
	var namespaces []string
	t.Cleanup(func() {
		// the host's veth first: its peer would go with the bridge
		// namespace, but the kernel removes that asynchronously
		if err := exec.Command("ip", "link", "show", n.hostIf).Run(); err == nil {
			if out, err := exec.Command("ip", "link", "del", n.hostIf).CombinedOutput(); err != nil {
				t.Errorf("removing veth %s: %v: %s", n.hostIf, err, out)
			}
		}
		for _, ns := range namespaces {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Errorf("removing namespace %s: %v: %s", ns, err, out)
			}
		}
	})
	addNS := func(ns string) {
		ipCmd(t, "netns", "add", ns)
		namespaces = append(namespaces, ns)
		ipCmd(t, "-n", ns, "link", "set", "lo", "up")
	}
	addNS(n.bridgeNS)
	ipCmd(t, "-n", n.bridgeNS, "link", "add", "br0", "type", "bridge")
	ipCmd(t, "-n", n.bridgeNS, "link", "set", "br0", "up")
	ipCmd(t, "link", "add", n.hostIf, "type", "veth", "peer", "name", "host", "netns", n.bridgeNS)
	ipCmd(t, "-n", n.bridgeNS, "link", "set", "host", "master", "br0", "up")
	ipCmd(t, "addr", "add", hostIP+"/24", "dev", n.hostIf)
	ipCmd(t, "link", "set", n.hostIf, "up")
	for i, name := range names {
		p := &pod{name: name, ns: "wmnet-" + id + "-" + name, ip: fmt.Sprintf("10.251.0.%d", i+2)}
		addNS(p.ns)
		ipCmd(t, "-n", n.bridgeNS, "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", p.ns)
		ipCmd(t, "-n", n.bridgeNS, "link", "set", name, "master", "br0", "up")
		ipCmd(t, "-n", p.ns, "addr", "add", p.ip+"/24", "dev", "eth0")
		ipCmd(t, "-n", p.ns, "link", "set", "eth0", "up")
		ipCmd(t, "-n", p.ns, "route", "add", vipNet, "via", hostIP)
		n.pods[name] = p
	}
	return n
}

// exec runs a command in a pod's namespace (as root) and returns its output.
func (p *pod) exec(name string, args ...string) ([]byte, error) {
	return exec.Command("ip", append([]string{"netns", "exec", p.ns, name}, args...)...).CombinedOutput()
}

// removeStale removes what a run of this test killed before its cleanup
// left behind (namespaces named after a pid that no longer runs): the
// processes in them, the namespaces and the host's veth.
func removeStale(t *testing.T) {
	t.Helper()
	for _, ns := range strings.Fields(ipCmd(t, "netns", "list")) {
		rest, ok := strings.CutPrefix(ns, "wmnet-")
		if !ok {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if _, err := strconv.Atoi(pid); err != nil {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue // that run is still going
		}
		t.Logf("removing %s, left by an earlier run", ns)
		for _, p := range strings.Fields(ipCmd(t, "netns", "pids", ns)) {
			if n, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(n, syscall.SIGKILL)
			}
		}
		_ = exec.Command("ip", "link", "del", "wm"+pid+"h").Run()
		ipCmd(t, "netns", "del", ns)
	}
}
