package kube_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wasmesh/wasmesh/control/kube"
	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
	"github.com/wasmesh/wasmesh/test/fixture"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
)

// replica is a meshd process in Kubernetes mode.
type replica struct {
	name, xds, secure, monitor string // secure: the CA and xDS over TLS
	proc                       *fixture.Process
}

// startReplica runs the meshd binary bin in Kubernetes mode as the
// replica name of the mesh installed in meshNS, until the test ends; with
// autoMTLS its sidecars talk mTLS.
func startReplica(t *testing.T, bin string, c *kubetest.Cluster, meshNS, pluginDir, name string, autoMTLS bool) *replica {
	t.Helper()
	r := &replica{name: name, xds: fixture.FreeAddr(t), secure: fixture.FreeAddr(t), monitor: fixture.FreeAddr(t)}
	args := []string{"--config-source=kubernetes", "--kubeconfig", c.Kubeconfig, "--namespace", meshNS, "--identity", name,
		"--leader-lease", kube.LeaseName, "--lease-duration", "6s", "--ca-plugin-dir", pluginDir, "--data-dir", t.TempDir(),
		"--xds-address", r.xds, "--monitor-address", r.monitor, "--secure-xds-address", r.secure, "--log-level", "warn"}
	if autoMTLS {
		args = append(args, "--auto-mtls")
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r.proc = fixture.Start(t, name, cmd)
	return r
}

// leads asks the replica's monitoring port whether it leads; false when
// it does not answer.
func (r *replica) leads() bool {
	resp, err := http.Get("http://" + r.monitor + "/debug/leaderz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var v struct{ Leader bool }
	return json.NewDecoder(resp.Body).Decode(&v) == nil && v.Leader
}

// waitLeader waits until a or b leads and returns the leader first.
func waitLeader(t *testing.T, a, b *replica) (leader, other *replica) {
	t.Helper()
	fixture.Eventually(t, "a leader", converge, func() bool {
		switch {
		case a.leads():
			leader, other = a, b
		case b.leads():
			leader, other = b, a
		}
		return leader != nil
	})
	return leader, other
}

// proxies counts the proxies connected to the replica (-1: no answer).
func (r *replica) proxies() int {
	resp, err := http.Get("http://" + r.monitor + "/debug/syncz")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var v []json.RawMessage
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return -1
	}
	return len(v)
}

func (r *replica) ready() bool {
	resp, err := http.Get("http://" + r.monitor + "/ready")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

var endpointIndex = regexp.MustCompile(`"address":"10\.40\.(\d+)\.(\d+)"`)

// endpointSeq is the sequence number of the address of ns's reviews
// service a proxy holds (-1: none).
func endpointSeq(p *xdstest.Proxy, ns string) int {
	m := endpointIndex.FindStringSubmatch(reviewsEndpoints(p, ns))
	if m == nil {
		return -1
	}
	hi, _ := strconv.Atoi(m[1])
	lo, _ := strconv.Atoi(m[2])
	return hi*250 + lo - 1
}

func seqIP(i int) string { return fmt.Sprintf("10.40.%d.%d", i/250, i%250+1) }

// TestMeshdReplicasLeaderKilled runs two meshd processes behind a
// Service-like forwarder with simulated proxies on both, changes an
// endpoint every 100ms, SIGKILLs the leader, and checks that the proxies
// reconnect to the other replica and keep receiving config (endpoint
// changes and a VirtualService applied after the kill), and that the other
// replica takes over the lease.
func TestMeshdReplicasLeaderKilled(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	bin := fixture.BuildCommand(t, "meshd")
	meshNS := installMeshWithoutWebhooks(t, c)
	ns := c.Namespace(t, "replicas", nil)
	es := createReviews(t, c, ns, seqIP(0))
	plugin := caPluginDir(t, c, meshNS)
	a := startReplica(t, bin, c, meshNS, plugin, "meshd-a", false)
	b := startReplica(t, bin, c, meshNS, plugin, "meshd-b", false)
	fixture.Eventually(t, "both replicas ready", converge, func() bool { return a.ready() && b.ready() })
	svc := startForwarder(t, a.xds, b.xds)

	const proxies = 20
	ps := make([]*xdstest.Proxy, proxies)
	for i := range ps {
		p, err := xdstest.Start(xdstest.Options{Address: svc.Addr(), Node: sidecarNode(t, ns, fmt.Sprintf("ratings-%d", i), "ratings")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		ps[i] = p
	}
	for _, p := range ps {
		waitProxy(t, p, "the first endpoint", func(p *xdstest.Proxy) bool { return endpointSeq(p, ns) >= 0 })
	}

	leader, other := waitLeader(t, a, b)
	if other.leads() {
		t.Fatal("both replicas lead")
	}

	// Load: an endpoint change every 100ms.
	var written atomic.Int64
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var loadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 1; ; i++ {
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
			}
			es.Endpoints[0].Addresses = []string{seqIP(i)}
			next, err := c.Client.DiscoveryV1().EndpointSlices(ns).Update(ctx, es, metav1.UpdateOptions{})
			if err != nil {
				loadErr = err
				return
			}
			es = next
			written.Store(int64(i))
		}
	}()
	time.Sleep(time.Second)

	onLeader := leader.proxies()
	if onLeader <= 0 || onLeader == proxies {
		t.Fatalf("%d of %d proxies on the leader: the forwarder should spread them", onLeader, proxies)
	}
	killed := time.Now()
	if err := leader.proc.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	after := int(written.Load()) + 1 // the first change written after the kill
	var slowest time.Duration
	for i, p := range ps {
		waitProxy(t, p, fmt.Sprintf("change %d after the kill (proxy %d)", after, i), func(p *xdstest.Proxy) bool { return endpointSeq(p, ns) >= after })
		slowest = max(slowest, time.Since(killed))
	}
	t.Logf("every proxy had the first endpoint change written after the kill %v after it", slowest.Round(time.Millisecond))
	fixture.Eventually(t, "every proxy on the surviving replica", converge, func() bool { return other.proxies() == proxies })
	t.Logf("%d of %d proxies were on the killed leader; all are on %s now", onLeader, proxies, other.name)
	fixture.Eventually(t, "the other replica to lead", converge, other.leads)
	t.Logf("%s leads %v after %s was killed (lease 6s)", other.name, time.Since(killed).Round(time.Millisecond), leader.name)
	time.Sleep(500 * time.Millisecond)
	stopLoad()
	wg.Wait()
	if loadErr != nil {
		t.Fatal(loadErr)
	}

	// Every proxy ends with the last change, and config applied now
	// reaches all of them through the surviving replica.
	last := int(written.Load())
	out, err := c.Kubectl(t, reviewsVS, "apply", "-n", ns, "-f", "-")
	if err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	for i, p := range ps {
		waitProxy(t, p, fmt.Sprintf("the last change and the VirtualService (proxy %d)", i), func(p *xdstest.Proxy) bool {
			return endpointSeq(p, ns) == last && virtualHostHas(p, "reviews."+ns+".svc.cluster.local", "jason")
		})
	}
	if leader.ready() {
		t.Fatal("the killed replica still answers")
	}
}
