package xds_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/control/pilot/xds"
	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
	"github.com/wasmesh/wasmesh/registry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// inputs is one service with two subsets and a VirtualService splitting
// traffic by weight.
func inputs(w1, w2 int32) pilot.Inputs {
	vs := &api.VirtualService{Hosts: []string{"web"}, HTTP: []api.HTTPRoute{{Route: []api.HTTPRouteDestination{
		{Destination: api.Destination{Host: "web", Subset: "v1"}, Weight: w1},
		{Destination: api.Destination{Host: "web", Subset: "v2"}, Weight: w2}}}}}
	dr := &api.DestinationRule{Host: "web", Subsets: []api.Subset{{Name: "v1", Labels: map[string]string{"v": "1"}}, {Name: "v2", Labels: map[string]string{"v": "2"}}}}
	host := "web.default.svc.cluster.local"
	return pilot.Inputs{
		Configs: []api.Config{
			{Kind: api.KindVirtualService, Metadata: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: vs},
			{Kind: api.KindDestinationRule, Metadata: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: dr},
		},
		Services: []registry.Service{{Hostname: host, Namespace: "default", Ports: []registry.Port{{Name: "http", Number: 80, Protocol: api.ProtocolHTTP}}}},
		Endpoints: map[pilot.EndpointKey][]registry.Endpoint{{Hostname: host, Port: 80}: {
			{Address: "127.0.0.1", Port: 8001, Labels: map[string]string{"v": "1"}},
			{Address: "127.0.0.1", Port: 8002, Labels: map[string]string{"v": "2"}}}},
		Mesh: pilot.MeshConfig{OutboundTrafficPolicy: api.RegistryOnly},
	}
}

type harness struct {
	srv      *xds.Server
	addr     string
	mu       sync.Mutex
	joined   []string
	left     []string
	shutdown func()
}

func start(t *testing.T) *harness {
	t.Helper()
	h := &harness{}
	h.srv = xds.New(nil, xds.Hooks{
		Connected:    func(n pilot.Node) { h.mu.Lock(); h.joined = append(h.joined, n.ID); h.mu.Unlock() },
		Disconnected: func(n pilot.Node) { h.mu.Lock(); h.left = append(h.left, n.ID); h.mu.Unlock() },
	})
	h.srv.SetIndex(pilot.NewIndex(inputs(90, 10)))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gs := grpc.NewServer()
	xds.Register(gs, h.srv.GRPC(ctx))
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	h.addr = lis.Addr().String()
	h.shutdown = func() { gs.Stop(); cancel(); <-done }
	t.Cleanup(h.shutdown)
	return h
}

func node(t *testing.T, id string) *corev3.Node {
	md, err := structpb.NewStruct(map[string]any{"NAMESPACE": "default", "LABELS": map[string]any{"app": "client"}})
	if err != nil {
		t.Fatal(err)
	}
	return &corev3.Node{Id: id, Metadata: md}
}

// weights returns the weights of the first weighted route in the "80"
// route table the proxy accepted.
func weights(p *xdstest.Proxy) []uint32 {
	rc, ok := p.Resources(resource.RouteType)["80"].(*routev3.RouteConfiguration)
	if !ok {
		return nil
	}
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

func waitSynced(t *testing.T, srv *xds.Server, id string) xds.ProxyStatus {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, st := range srv.Status() {
			if st.ID == id && st.Synced && st.Types[resource.RouteType] != nil && st.Types[resource.RouteType].Acked != "" {
				return st
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("proxy %s never synced: %+v", id, srv.Status())
	return xds.ProxyStatus{}
}

func TestPushACKAndChangedTypesOnly(t *testing.T) {
	for _, delta := range []bool{false, true} {
		name := map[bool]string{false: "sotw", true: "delta"}[delta]
		t.Run(name, func(t *testing.T) {
			h := start(t)
			id := "sidecar~127.0.0.1~client-1.default~default.svc.cluster.local"
			p, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: node(t, id), Delta: delta})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { return equal(weights(p), 90, 10) }); err != nil {
				t.Fatalf("initial weights never arrived: %v (got %v)", err, weights(p))
			}
			before := waitSynced(t, h.srv, id)
			if before.Delta != delta {
				t.Errorf("delta = %v, want %v", before.Delta, delta)
			}

			if st := h.srv.Push(pilot.NewIndex(inputs(90, 10))); st.Pushed != 0 || st.Proxies != 1 {
				t.Errorf("unchanged push: %+v, want nothing pushed", st)
			}
			st := h.srv.Push(pilot.NewIndex(inputs(10, 90)))
			if st.Pushed != 1 {
				t.Errorf("changed push: %+v, want 1 pushed", st)
			}
			if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { return equal(weights(p), 10, 90) }); err != nil {
				t.Fatalf("new weights never arrived: %v", err)
			}
			after := waitSynced(t, h.srv, id)
			for _, typ := range []string{resource.ClusterType, resource.ListenerType, resource.EndpointType} {
				if before.Want[typ] != after.Want[typ] {
					t.Errorf("%s version changed %s → %s although only routes changed", typ, before.Want[typ], after.Want[typ])
				}
			}
			if before.Want[resource.RouteType] == after.Want[resource.RouteType] {
				t.Errorf("route version did not change")
			}
			if got := after.Types[resource.RouteType].Acked; got != after.Want[resource.RouteType] {
				t.Errorf("route ACKed %q, want %q", got, after.Want[resource.RouteType])
			}
		})
	}
}

func TestNACKIsReported(t *testing.T) {
	h := start(t)
	id := "nacker"
	p, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: node(t, id)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Wait(ctx, func(p *xdstest.Proxy) bool { return equal(weights(p), 90, 10) }); err != nil {
		t.Fatal(err)
	}
	waitSynced(t, h.srv, id)
	p.SetReject(func(typeURL string, res map[string]proto.Message) error {
		if typeURL == resource.RouteType {
			return errors.New("route: weights not supported today")
		}
		return nil
	})
	h.srv.Push(pilot.NewIndex(inputs(50, 50)))
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := h.srv.Status()
		if len(st) == 1 && st[0].Types[resource.RouteType].Error != "" {
			rt := st[0].Types[resource.RouteType]
			if rt.Nacked != st[0].Want[resource.RouteType] || rt.Error != "route: weights not supported today" {
				t.Errorf("NACK recorded as %+v, want version %s with the proxy's error", rt, st[0].Want[resource.RouteType])
			}
			if st[0].Synced {
				t.Error("a proxy that NACKed is reported synced")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("NACK never recorded: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !equal(weights(p), 90, 10) {
		t.Errorf("proxy dropped its old config: %v", weights(p))
	}
}

func TestConnectDisconnectHooks(t *testing.T) {
	h := start(t)
	p, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: node(t, "a")})
	if err != nil {
		t.Fatal(err)
	}
	waitSynced(t, h.srv, "a")
	p.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.srv.Status()) != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.joined) != 1 || h.joined[0] != "a" || len(h.left) != 1 || h.left[0] != "a" {
		t.Errorf("hooks: joined %v left %v, want [a] [a]", h.joined, h.left)
	}
	if n := len(h.srv.Status()); n != 0 {
		t.Errorf("%d proxies still listed after disconnect", n)
	}
}

func TestBadNodeRejected(t *testing.T) {
	h := start(t)
	md, _ := structpb.NewStruct(map[string]any{"LABELS": "not-a-map"})
	p, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: &corev3.Node{Id: "bad", Metadata: md}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	time.Sleep(300 * time.Millisecond)
	if st := h.srv.Status(); len(st) != 0 {
		t.Errorf("a node with bad metadata was accepted: %+v", st)
	}
	if p.Version(resource.ClusterType) != "" {
		t.Error("a node with bad metadata got config")
	}
}

func equal(got []uint32, want ...uint32) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// SotW and delta streams are numbered separately by go-control-plane; two
// proxies with the same stream number must both be served.
func TestSotWAndDeltaTogether(t *testing.T) {
	h := start(t)
	a, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: node(t, "sotw")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: node(t, "delta"), Delta: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	waitSynced(t, h.srv, "sotw")
	waitSynced(t, h.srv, "delta")
}

// Replicas share one translation unless it depends on their address.
func TestShapesKeepPerAddressListeners(t *testing.T) {
	h := start(t)
	in := inputs(90, 10)
	in.Configs = append(in.Configs, api.Config{Kind: api.KindSidecar, Metadata: api.ObjectMeta{Name: "s", Namespace: "default"},
		Spec: &api.Sidecar{Ingress: []api.IstioIngressListener{{Port: &api.SidecarPort{Number: 9000, Protocol: api.ProtocolHTTP}, CaptureMode: "NONE"}}}})
	h.srv.SetIndex(pilot.NewIndex(in))
	var ps []*xdstest.Proxy
	for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		md, _ := structpb.NewStruct(map[string]any{"NAMESPACE": "default", "INSTANCE_IPS": ip})
		p, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: &corev3.Node{Id: "p-" + ip, Metadata: md}})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ps = append(ps, p)
	}
	waitSynced(t, h.srv, "p-127.0.0.2")
	waitSynced(t, h.srv, "p-127.0.0.3")
	h.srv.Push(pilot.NewIndex(in)) // through the shape cache
	for i, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		ir, _ := h.srv.Config("p-" + ip)
		found := false
		for _, l := range ir.Listeners {
			found = found || (l.Port == 9000 && l.Address == ip)
		}
		if !found || ps[i].Resources(resource.ListenerType)["inbound_"+ip+"_9000"] == nil {
			t.Errorf("proxy %s has no inbound listener on its own address", ip)
		}
	}
}

// A change that only affects one namespace's proxies pushes only to them.
func TestOnlyAffectedProxiesPushed(t *testing.T) {
	h := start(t)
	scoped := func(w1, w2 int32) *pilot.Index {
		in := inputs(w1, w2)
		// a second namespace whose proxies see only their own namespace
		in.Configs = append(in.Configs, api.Config{Kind: api.KindSidecar, Metadata: api.ObjectMeta{Name: "default", Namespace: "other"},
			Spec: &api.Sidecar{Egress: []api.IstioEgressListener{{Hosts: []string{"./*"}}}}})
		return pilot.NewIndex(in)
	}
	h.srv.SetIndex(scoped(90, 10))
	for _, ns := range []string{"default", "other"} {
		md, _ := structpb.NewStruct(map[string]any{"NAMESPACE": ns})
		p, err := xdstest.Start(xdstest.Options{Address: h.addr, Node: &corev3.Node{Id: "p-" + ns, Metadata: md}})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
	}
	waitSynced(t, h.srv, "p-default")
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st := h.srv.Status()
		if len(st) == 2 && st[1].ID == "p-other" && st[1].Synced && st[1].Types[resource.ListenerType] != nil && st[1].Types[resource.ListenerType].Acked != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("p-other never synced: %+v", st)
		}
	}
	if st := h.srv.Push(scoped(10, 90)); st.Proxies != 2 || st.Pushed != 1 {
		t.Errorf("push after a change in default only: %+v, want 2 proxies considered and 1 pushed", st)
	}
}
