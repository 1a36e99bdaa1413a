package kube_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
)

// buildMeshd builds cmd/meshd into a temporary directory.
func buildMeshd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is needed to build cmd/meshd: put it in PATH")
	}
	bin := filepath.Join(t.TempDir(), "meshd")
	if out, err := exec.Command(goBin, "build", "-o", bin, "github.com/wasmesh/wasmesh/cmd/meshd").CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/meshd: %v\n%s", err, out)
	}
	return bin
}

// replica is a meshd process in Kubernetes mode.
type replica struct {
	name, xds, monitor, log string
	cmd                     *exec.Cmd
}

func startReplica(t *testing.T, bin string, c *kubetest.Cluster, meshNS, pluginDir, name string) *replica {
	t.Helper()
	r := &replica{name: name, xds: freeAddr(t), monitor: freeAddr(t), log: filepath.Join(t.TempDir(), name+".log")}
	logf, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	r.cmd = exec.Command(bin, "--config-source=kubernetes", "--kubeconfig", c.Kubeconfig, "--namespace", meshNS, "--identity", name,
		"--leader-lease", kube.LeaseName, "--lease-duration", "6s", "--ca-plugin-dir", pluginDir, "--data-dir", t.TempDir(),
		"--xds-address", r.xds, "--monitor-address", r.monitor, "--secure-xds-address", "127.0.0.1:0", "--log-level", "warn")
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(r.log)
			t.Logf("%s log:\n%s", name, syncbuf.Tail(string(b), 40))
		}
	})
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
	bin := buildMeshd(t)
	meshNS := installMesh(t, c, freeAddr(t))
	// no replica serves the webhooks here: drop their configurations so
	// kubectl apply does not wait for them
	adm := c.Client.AdmissionregistrationV1()
	if err := adm.ValidatingWebhookConfigurations().Delete(ctx, kube.ValidatorName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := c.Namespace(t, "replicas", nil)
	es := createReviews(t, c, ns, seqIP(0))
	plugin := caPluginDir(t, c, meshNS)
	a := startReplica(t, bin, c, meshNS, plugin, "meshd-a")
	b := startReplica(t, bin, c, meshNS, plugin, "meshd-b")
	eventually(t, "both replicas ready", func() bool { return a.ready() && b.ready() })
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

	var leader, other *replica
	eventually(t, "a leader", func() bool {
		switch {
		case a.leads():
			leader, other = a, b
		case b.leads():
			leader, other = b, a
		}
		return leader != nil
	})
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
	if err := leader.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	after := int(written.Load()) + 1 // the first change written after the kill
	var slowest time.Duration
	for i, p := range ps {
		waitProxy(t, p, fmt.Sprintf("change %d after the kill (proxy %d)", after, i), func(p *xdstest.Proxy) bool { return endpointSeq(p, ns) >= after })
		slowest = max(slowest, time.Since(killed))
	}
	t.Logf("every proxy had the first endpoint change written after the kill %v after it", slowest.Round(time.Millisecond))
	eventually(t, "every proxy on the surviving replica", func() bool { return other.proxies() == proxies })
	t.Logf("%d of %d proxies were on the killed leader; all are on %s now", onLeader, proxies, other.name)
	eventually(t, "the other replica to lead", other.leads)
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
