package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/control/pilot/xds"
	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const meshYAML = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - port: {number: 15080, protocol: HTTP, name: http}
    captureMode: NONE
    hosts: ["./*"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`

func vsYAML(w1, w2 int) string {
	return strings.NewReplacer("W1", itoa(w1), "W2", itoa(w2)).Replace(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web, subset: v1}
      weight: W1
    - destination: {host: web, subset: v2}
      weight: W2
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: default}
spec:
  host: web
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`)
}

func itoa(n int) string { return strconv.Itoa(n) }

func startServer(t *testing.T) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "mesh.yaml"), []byte(meshYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{ConfigDir: cfgDir, XDSAddr: "127.0.0.1:0", MonitorAddr: "127.0.0.1:0", Debounce: 20 * time.Millisecond,
		MaxDebounce: 200 * time.Millisecond, GracePeriod: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s, "http://" + s.MonitorAddr()
}

func proxyNode(t *testing.T, name, version string) *corev3.Node {
	md, err := structpb.NewStruct(map[string]any{"NAME": name, "NAMESPACE": "default", "SERVICE": "web", "INSTANCE_IPS": "127.0.0.1",
		"INTERCEPTION_MODE": "NONE", "LABELS": map[string]any{"app": "web", "version": version},
		"POD_PORTS": `[{"name":"http","containerPort":8080}]`})
	if err != nil {
		t.Fatal(err)
	}
	return &corev3.Node{Id: name, Metadata: md}
}

func apply(t *testing.T, base, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(base+"/v1/configs?file=web.yaml", "application/yaml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func weightsOf(p *xdstest.Proxy) []uint32 {
	rc, _ := p.Resources(resource.RouteType)["127.0.0.1_15080"].(*routev3.RouteConfiguration)
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if wc := r.GetRoute().GetWeightedClusters(); wc != nil {
				var out []uint32
				for _, c := range wc.GetClusters() {
					out = append(out, c.GetWeight().GetValue())
				}
				return out
			}
		}
	}
	return nil
}

func TestApplyPushesAndRegistersWorkloads(t *testing.T) {
	s, base := startServer(t)
	p1, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: proxyNode(t, "web-v1", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	defer p1.Close()
	p2, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: proxyNode(t, "web-v2", "v2"), Delta: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if code, body := apply(t, base, vsYAML(90, 10)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("apply: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, p := range []*xdstest.Proxy{p1, p2} {
		if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { w := weightsOf(p); return len(w) == 2 && w[0] == 90 }); err != nil {
			st, _ := json.MarshalIndent(s.xds.Status(), "", " ")
			ir, _ := s.xds.Config("web-v1")
			rj, _ := json.Marshal(ir.Routes)
			t.Fatalf("90/10 never arrived: %v\n%s\n%s\n%v", err, st, rj, weightsOf(p))
		}
		// both registered workloads are endpoints of the implicit service
		if err := p.Wait(ctx, func(p *xdstest.Proxy) bool {
			return len(p.Resources(resource.EndpointType)) >= 3 // web|8080 and both subsets
		}); err != nil {
			t.Fatalf("endpoints never arrived: %v", err)
		}
	}
	start := time.Now()
	if code, body := apply(t, base, vsYAML(10, 90)); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("apply: %d %s", code, body)
	}
	for _, p := range []*xdstest.Proxy{p1, p2} {
		if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { w := weightsOf(p); return len(w) == 2 && w[0] == 10 }); err != nil {
			t.Fatalf("10/90 never arrived: %v", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("weight change took %v to reach both proxies", d)
	}

	// invalid config is rejected with its error and nothing changes
	code, body := apply(t, base, strings.Replace(vsYAML(50, 50), "weight: 50\n", "weight: 500\n", 1))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "weight") {
		t.Errorf("bad apply: %d %s, want 422 naming the weight", code, body)
	}
	time.Sleep(300 * time.Millisecond)
	if w := weightsOf(p1); len(w) != 2 || w[0] != 10 {
		t.Errorf("weights after a rejected apply: %v", w)
	}

	// syncz lists both proxies as synced
	var st []xds.ProxyStatus
	getJSON(t, base+"/debug/syncz", &st)
	if len(st) != 2 {
		t.Fatalf("syncz: %d proxies", len(st))
	}
	var ir pilot.IR
	getJSON(t, base+"/debug/configz?proxy=web-v1", &ir)
	if ir.Node.ID != "web-v1" || len(ir.Clusters) == 0 {
		t.Errorf("configz IR: %+v", ir.Node)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(m, []byte("pilot_xds 2")) || !bytes.Contains(m, []byte("pilot_push_duration_seconds_count")) {
		t.Errorf("metrics lack pilot_xds 2 / push durations:\n%s", m)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestFileModulesServedByDigest(t *testing.T) {
	s, base := startServer(t)
	mod := filepath.Join(t.TempDir(), "f.wasm")
	code := []byte("\x00asm\x01\x00\x00\x00")
	if err := os.WriteFile(mod, code, 0o644); err != nil {
		t.Fatal(err)
	}
	body := "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: f, namespace: default}\nspec:\n  url: file://" + mod + "\n"
	if c, b := apply(t, base, body); c != http.StatusOK && c != http.StatusCreated {
		t.Fatalf("apply: %d %s", c, b)
	}
	p, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: proxyNode(t, "web-v1", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { return p.Resources(resource.ExtensionConfigType)["default.f"] != nil }); err != nil {
		t.Fatalf("ECDS filter never arrived: %v", err)
	}
	resp, err := http.Get(base + "/modules/")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Modules []string }
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Modules) != 1 {
		t.Fatalf("module store: %v", list.Modules)
	}
	resp, err = http.Get(base + "/modules/" + list.Modules[0])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, code) {
		t.Errorf("served module differs")
	}
}
