package scale

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// writeMesh writes services spread over namespaces (each namespace's
// sidecars see their own namespace and "shared"), plus the shared service
// whose VirtualService every client routes through.
func writeMesh(dir string, services, namespaces int) error {
	var b bytes.Buffer
	for i := range services - 1 {
		ns := "ns-" + strconv.Itoa(i%namespaces)
		fmt.Fprintf(&b, `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: svc-%[1]d, namespace: %[2]s}
spec:
  hosts: [svc-%[1]d.%[2]s.mesh]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 10.%[3]d.%[4]d.1, labels: {version: v1}}
  - {address: 10.%[3]d.%[4]d.2, labels: {version: v2}}
---
`, i, ns, i/250, i%250)
	}
	for n := range namespaces {
		fmt.Fprintf(&b, `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: ns-%d}
spec:
  egress:
  - hosts: ["./*", "shared/*"]
---
`, n)
	}
	b.WriteString(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shared, namespace: shared}
spec:
  hosts: [shared.mesh]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 10.255.0.1, labels: {version: v1}}
  - {address: 10.255.0.2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shared, namespace: shared}
spec:
  host: shared.mesh
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`)
	if err := os.WriteFile(filepath.Join(dir, "services.yaml"), b.Bytes(), 0o644); err != nil {
		return err
	}
	return writeRoute(dir, 90, 10)
}

func writeRoute(dir string, v1, v2 int) error {
	y := fmt.Sprintf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shared, namespace: shared}
spec:
  hosts: [shared.mesh]
  http:
  - route:
    - destination: {host: shared.mesh, subset: v1}
      weight: %d
    - destination: {host: shared.mesh, subset: v2}
      weight: %d
`, v1, v2)
	tmp := filepath.Join(dir, ".route.tmp")
	if err := os.WriteFile(tmp, []byte(y), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "route.yaml"))
}

// sharedWeight is the v1 weight of the shared route the client accepted.
func sharedWeight(p *xdstest.Proxy) uint32 {
	rc, _ := p.Resources(resource.RouteType)["80"].(*routev3.RouteConfiguration)
	for _, vh := range rc.GetVirtualHosts() {
		if vh.GetName() != "shared.mesh:80" {
			continue
		}
		for _, r := range vh.GetRoutes() {
			if wc := r.GetRoute().GetWeightedClusters(); wc != nil && len(wc.GetClusters()) > 0 {
				return wc.GetClusters()[0].GetWeight().GetValue()
			}
		}
	}
	return 0
}

// procStats reads a process's resident memory (current and peak, KiB) and
// CPU time.
func procStats(pid int) (rss, hwm int64, cpu time.Duration, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "VmRSS:" {
			rss, _ = strconv.ParseInt(fields[1], 10, 64)
		}
		if len(fields) >= 2 && fields[0] == "VmHWM:" {
			hwm, _ = strconv.ParseInt(fields[1], 10, 64)
		}
	}
	f.Close()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	// fields after the ")" of the command name: utime is field 14, stime 15
	rest := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	ut, _ := strconv.ParseInt(rest[11], 10, 64)
	st, _ := strconv.ParseInt(rest[12], 10, 64)
	return rss, hwm, time.Duration(ut+st) * time.Second / 100, nil // USER_HZ = 100
}

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkScale runs one meshd against SCALE_CLIENTS simulated proxies
// (default 2000) and SCALE_SERVICES services (default 1000) in
// SCALE_NAMESPACES namespaces (default 50), then shifts the shared route's
// weights and measures until every client ACKed it.
//
//	go test -run '^$' -bench Scale -benchtime 1x -timeout 20m ./bench/scale
func BenchmarkScale(b *testing.B) {
	services, clients, namespaces := envInt("SCALE_SERVICES", 1000), envInt("SCALE_CLIENTS", 2000), envInt("SCALE_NAMESPACES", 50)
	dir := b.TempDir()
	bin := filepath.Join(dir, "meshd")
	if out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "github.com/wasmesh/wasmesh/cmd/meshd").CombinedOutput(); err != nil {
		b.Fatalf("build meshd: %v\n%s", err, out)
	}
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := writeMesh(cfgDir, services, namespaces); err != nil {
		b.Fatal(err)
	}
	xdsAddr, monAddr := freeAddr(b), freeAddr(b)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config-dir", cfgDir, "--data-dir", filepath.Join(dir, "data"), "--xds-address", xdsAddr,
		"--monitor-address", monAddr, "--secure-xds-address", freeAddr(b), "--outbound-traffic-policy", "REGISTRY_ONLY", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if b.Failed() {
			b.Log(logs.String())
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + monAddr + "/ready"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("meshd not ready")
		}
	}

	b.ResetTimer()
	connectStart := time.Now()
	proxies := make([]*xdstest.Proxy, clients)
	for i := range proxies {
		md, _ := structpb.NewStruct(map[string]any{"NAME": "client-" + strconv.Itoa(i), "NAMESPACE": "ns-" + strconv.Itoa(i%namespaces),
			"LABELS": map[string]any{"app": "client"}, "INSTANCE_IPS": fmt.Sprintf("10.200.%d.%d", i/250, i%250)})
		p, err := xdstest.Start(xdstest.Options{Address: xdsAddr, Node: &corev3.Node{Id: "client-" + strconv.Itoa(i), Metadata: md}, Delta: i%10 == 0})
		if err != nil {
			b.Fatal(err)
		}
		proxies[i] = p
	}
	defer func() {
		var wg sync.WaitGroup
		for _, p := range proxies {
			wg.Add(1)
			go func() { defer wg.Done(); p.Close() }()
		}
		wg.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	waitAll(b, ctx, proxies, 90, connectStart)
	initial := time.Since(connectStart)
	time.Sleep(2 * time.Second) // let the registry pushes settle
	rss, hwm, cpu0, err := procStats(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	pushSum0 := pushSeconds(b, monAddr)

	profiled := make(chan struct{})
	if out := os.Getenv("SCALE_PROFILE"); out != "" {
		go func() {
			defer close(profiled)
			resp, err := http.Get("http://" + monAddr + "/debug/pprof/profile?seconds=3")
			if err != nil {
				return
			}
			defer resp.Body.Close()
			if f, err := os.Create(out); err == nil {
				_, _ = io.Copy(f, resp.Body)
				f.Close()
			}
		}()
		time.Sleep(100 * time.Millisecond)
	} else {
		close(profiled)
	}
	changed := time.Now()
	if err := writeRoute(cfgDir, 10, 90); err != nil {
		b.Fatal(err)
	}
	lat := waitAll(b, ctx, proxies, 10, changed)
	all := time.Since(changed)
	<-profiled
	time.Sleep(500 * time.Millisecond)
	_, hwm2, cpu1, _ := procStats(cmd.Process.Pid)
	pushSum1 := pushSeconds(b, monAddr)
	b.StopTimer()

	p50, p90, pmax := percentile(lat, .5), percentile(lat, .9), percentile(lat, 1)
	b.ReportMetric(float64(rss)/1024, "meshd-rss-MiB")
	b.ReportMetric(float64(max(hwm, hwm2))/1024, "meshd-peak-rss-MiB")
	b.ReportMetric(float64(p50.Milliseconds()), "ack-p50-ms")
	b.ReportMetric(float64(p90.Milliseconds()), "ack-p90-ms")
	b.ReportMetric(float64(pmax.Milliseconds()), "ack-max-ms")
	b.ReportMetric((cpu1 - cpu0).Seconds(), "push-cpu-s")
	b.ReportMetric(pushSum1-pushSum0, "push-wall-s")
	b.Logf("%d services, %d clients (10%% delta) in %d namespaces: initial sync of all clients %v; after the change all ACKed in %v "+
		"(p50 %v, p90 %v, max %v); meshd RSS %d MiB (peak %d MiB); meshd CPU for the push %v; translate+push wall %.3fs",
		services, clients, namespaces, initial.Round(time.Millisecond), all.Round(time.Millisecond), p50.Round(time.Millisecond),
		p90.Round(time.Millisecond), pmax.Round(time.Millisecond), rss/1024, max(hwm, hwm2)/1024, cpu1-cpu0, pushSum1-pushSum0)
}

// waitAll waits until every client accepted the shared route with weight
// v1 and returns, per client, when it did relative to since.
func waitAll(b *testing.B, ctx context.Context, proxies []*xdstest.Proxy, v1 uint32, since time.Time) []time.Duration {
	lat := make([]time.Duration, len(proxies))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	for i, p := range proxies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { return sharedWeight(p) == v1 }); err != nil {
				mu.Lock()
				failed = fmt.Errorf("client %d: %w (status %+v)", i, err, p.Status())
				mu.Unlock()
				return
			}
			lat[i] = p.AcceptedAt(resource.RouteType).Sub(since)
		}()
	}
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	return lat
}

// pushSeconds reads the total of pilot_push_duration_seconds from meshd.
func pushSeconds(b *testing.B, monAddr string) float64 {
	resp, err := http.Get("http://" + monAddr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	total := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "pilot_push_duration_seconds_sum") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}
