package xdsclient_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var allTypes = []string{
	xdsclient.ClusterType, xdsclient.EndpointType, xdsclient.ListenerType,
	xdsclient.RouteType, xdsclient.SecretType, xdsclient.ExtensionConfigType,
}

func startClient(t *testing.T, addr string, delta bool, h xdsclient.Handler, typeURLs []string) *xdsclient.Client {
	t.Helper()
	return startClientTLS(t, addr, delta, h, typeURLs, nil)
}

func startClientTLS(t *testing.T, addr string, delta bool, h xdsclient.Handler, typeURLs []string, tlsConf *tls.Config) *xdsclient.Client {
	t.Helper()
	c, err := xdsclient.New(xdsclient.Config{
		TLS:        tlsConf,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Address:    addr,
		Node:       &corev3.Node{Id: nodeID, Cluster: "app"},
		Delta:      delta,
		Handler:    h,
		Types:      typeURLs,
		BackoffMin: 20 * time.Millisecond,
		BackoffMax: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return c
}

func forModes(t *testing.T, f func(t *testing.T, delta bool)) {
	for _, delta := range []bool{false, true} {
		name := "sotw"
		if delta {
			name = "delta"
		}
		t.Run(name, func(t *testing.T) { f(t, delta) })
	}
}

func fullSnapshot(marker int64) map[resource.Type][]types.Resource {
	return map[resource.Type][]types.Resource{
		resource.ClusterType:         {cluster("cluster-a", marker), cluster("cluster-b", marker)},
		resource.EndpointType:        {endpoints("cluster-a")},
		resource.ListenerType:        {listener("listener-a")},
		resource.RouteType:           {route("route-a")},
		resource.SecretType:          {secret("secret-a")},
		resource.ExtensionConfigType: {extension("ext-a")},
	}
}

func TestInitialSyncOfEveryType(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		srv := startServer(t, "127.0.0.1:0", newCache())
		srv.setSnapshot("v1", fullSnapshot(1))
		rec := newRecorder()
		c := startClient(t, srv.addr, delta, rec, allTypes)
		c.Subscribe(xdsclient.EndpointType, []string{"cluster-a"})
		c.Subscribe(xdsclient.RouteType, []string{"route-a"})
		c.Subscribe(xdsclient.SecretType, []string{"secret-a"})
		c.Subscribe(xdsclient.ExtensionConfigType, []string{"ext-a"})

		want := map[string][]string{
			xdsclient.ClusterType:         {"cluster-a", "cluster-b"}, // wildcard
			xdsclient.EndpointType:        {"cluster-a"},
			xdsclient.ListenerType:        {"listener-a"}, // wildcard
			xdsclient.RouteType:           {"route-a"},
			xdsclient.SecretType:          {"secret-a"},
			xdsclient.ExtensionConfigType: {"ext-a"},
		}
		for typ, names := range want {
			waitFor(t, "handler set of "+typ, func() bool { return slices.Equal(rec.names(typ), names) })
			waitFor(t, "server-side ACK of "+typ, func() bool { return srv.acked(delta, typ, "v1") })
			if got := rec.version(typ); got != "v1" {
				t.Errorf("%s: handler version %q, want v1", typ, got)
			}
		}
		st := c.Status()
		if !st.Connected {
			t.Error("status: not connected")
		}
		for typ, names := range want {
			ts := st.Types[typ]
			if ts.Version != "v1" || ts.Resources != len(names) || ts.LastNACK.Reason != "" {
				t.Errorf("status of %s = %+v, want version v1, %d resources, no NACK", typ, ts, len(names))
			}
		}
		if got := st.Types[xdsclient.ClusterType].Subscribed; !slices.Equal(got, []string{"*"}) {
			t.Errorf("cluster subscription %v, want wildcard", got)
		}
		// The node is sent on the stream's first request.
		var first proto.Message
		if delta {
			first = srv.deltaRequests()[0]
		} else {
			first = srv.requests()[0]
		}
		if n := first.(interface{ GetNode() *corev3.Node }).GetNode(); n.GetId() != nodeID {
			t.Errorf("first request node %v, want id %q", n, nodeID)
		}
	})
}

func TestNACKCarriesDetailAndKeepsOldConfig(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		srv := startServer(t, "127.0.0.1:0", newCache())
		srv.setSnapshot("v1", map[resource.Type][]types.Resource{
			resource.ClusterType:  {cluster("good", 1)},
			resource.ListenerType: {listener("l")},
		})
		rec := newRecorder()
		rec.setReject(func(typ string, res map[string]proto.Message) error {
			if _, bad := res["bad"]; bad && typ == xdsclient.ClusterType {
				return errors.New("cluster bad: unsupported lb policy")
			}
			return nil
		})
		c := startClient(t, srv.addr, delta, rec, []string{xdsclient.ClusterType, xdsclient.ListenerType})
		waitFor(t, "v1 accepted", func() bool { return srv.acked(delta, xdsclient.ClusterType, "v1") })

		srv.setSnapshot("v2", map[resource.Type][]types.Resource{
			resource.ClusterType:  {cluster("good", 2), cluster("bad", 2)},
			resource.ListenerType: {listener("l")},
		})
		waitFor(t, "NACK detail at the server", func() bool {
			for _, d := range srv.nacks(delta, xdsclient.ClusterType) {
				if strings.Contains(d, "cluster bad: unsupported lb policy") {
					return true
				}
			}
			return false
		})
		if got := rec.names(xdsclient.ClusterType); !slices.Equal(got, []string{"good"}) {
			t.Errorf("handler clusters after NACK = %v, want the old [good]", got)
		}
		if got := rec.get(xdsclient.ClusterType, "good").(*clusterv3.Cluster).GetConnectTimeout().AsDuration(); got != time.Second {
			t.Errorf("old cluster replaced after NACK: timeout %v", got)
		}
		ts := c.Status().Types[xdsclient.ClusterType]
		if ts.Version != "v1" || ts.LastNACK.Version != "v2" || !strings.Contains(ts.LastNACK.Reason, "unsupported lb policy") {
			t.Errorf("status after NACK = %+v", ts)
		}
		if !delta {
			// The SotW server resends a NACKed version at once; the client throttles the retries.
			time.Sleep(400 * time.Millisecond)
			if n := len(srv.nacks(delta, xdsclient.ClusterType)); n > 10 {
				t.Errorf("%d NACKs within 400ms: resent rejected versions are not throttled", n)
			}
		}

		srv.setSnapshot("v3", map[resource.Type][]types.Resource{
			resource.ClusterType:  {cluster("good", 3)},
			resource.ListenerType: {listener("l")},
		})
		waitFor(t, "v3 ACKed", func() bool { return c.Status().Types[xdsclient.ClusterType].Version == "v3" })
		waitFor(t, "v3 ACK at the server", func() bool { return srv.acked(delta, xdsclient.ClusterType, "v3") })
		if got := rec.get(xdsclient.ClusterType, "good").(*clusterv3.Cluster).GetConnectTimeout().AsDuration(); got != 3*time.Second {
			t.Errorf("cluster after v3: timeout %v, want 3s", got)
		}
	})
}

// A response with a nameless cluster cannot be keyed: the client NACKs it itself, without
// calling the Handler.
func TestUndecodableResponseNACKedWithoutHandler(t *testing.T) {
	forModes(t, testUndecodable)
}

func testUndecodable(t *testing.T, delta bool) {
	srv := startServer(t, "127.0.0.1:0", newCache())
	srv.setSnapshot("v1", map[resource.Type][]types.Resource{resource.ClusterType: {cluster("a", 1)}})
	rec := newRecorder()
	startClient(t, srv.addr, delta, rec, []string{xdsclient.ClusterType})
	waitFor(t, "v1", func() bool { return slices.Equal(rec.names(xdsclient.ClusterType), []string{"a"}) })
	calls := rec.callCount()
	srv.setSnapshot("v2", map[resource.Type][]types.Resource{resource.ClusterType: {cluster("a", 2), cluster("", 2)}})
	waitFor(t, "NACK of a nameless cluster", func() bool {
		for _, d := range srv.nacks(delta, xdsclient.ClusterType) {
			if strings.Contains(d, "resource has no name") {
				return true
			}
		}
		return false
	})
	if rec.callCount() != calls {
		t.Error("handler called for an undecodable response")
	}
}

func TestSubscriptionChanges(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		// In ADS mode go-control-plane's snapshot cache answers a SotW request for names only when
		// they cover the whole snapshot of that type; a non-ADS cache serves any subset.
		srv := startServer(t, "127.0.0.1:0", cachev3.NewSnapshotCache(false, cachev3.IDHash{}, quietLogger{}))
		srv.setSnapshot("v1", map[resource.Type][]types.Resource{
			resource.ListenerType: {listener("l")},
			resource.RouteType:    {route("r1"), route("r2"), route("r3")},
		})
		rec := newRecorder()
		c := startClient(t, srv.addr, delta, rec, []string{xdsclient.ListenerType, xdsclient.RouteType})
		waitFor(t, "listeners", func() bool { return len(rec.names(xdsclient.ListenerType)) == 1 })
		if got := rec.names(xdsclient.RouteType); len(got) != 0 {
			t.Fatalf("routes before any subscription: %v", got)
		}
		steps := [][]string{{"r1"}, {"r1", "r2"}, {"r2"}, {"r2", "r3"}, {}}
		for _, names := range steps {
			c.Subscribe(xdsclient.RouteType, names)
			waitFor(t, "routes "+strings.Join(names, ","), func() bool {
				return slices.Equal(rec.names(xdsclient.RouteType), names)
			})
			if got := c.Status().Types[xdsclient.RouteType].Subscribed; !slices.Equal(got, names) {
				t.Errorf("status subscribed %v, want %v", got, names)
			}
		}
		// The server saw the narrowing subscription.
		waitFor(t, "server saw unsubscribe", func() bool {
			if delta {
				for _, r := range srv.deltaRequests() {
					if slices.Equal(r.GetResourceNamesUnsubscribe(), []string{"r1"}) {
						return true
					}
				}
				return false
			}
			for _, r := range srv.requests() {
				if r.GetTypeUrl() == xdsclient.RouteType && slices.Equal(r.GetResourceNames(), []string{"r2"}) {
					return true
				}
			}
			return false
		})
	})
}

func TestReconnectAndResync(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		srv := startServer(t, "127.0.0.1:0", newCache())
		addr := srv.addr
		srv.setSnapshot("v1", map[resource.Type][]types.Resource{
			resource.ClusterType: {cluster("a", 1), cluster("b", 1)},
			resource.RouteType:   {route("r1")},
		})
		rec := newRecorder()
		c := startClient(t, addr, delta, rec, []string{xdsclient.ClusterType, xdsclient.RouteType})
		c.Subscribe(xdsclient.RouteType, []string{"r1"})
		waitFor(t, "v1", func() bool {
			return slices.Equal(rec.names(xdsclient.ClusterType), []string{"a", "b"}) &&
				slices.Equal(rec.names(xdsclient.RouteType), []string{"r1"})
		})

		srv.stop()
		waitFor(t, "disconnected status", func() bool { return !c.Status().Connected })
		calls := rec.callCount()
		time.Sleep(300 * time.Millisecond) // several reconnect attempts fail meanwhile
		if rec.callCount() != calls {
			t.Error("handler called while the control plane was down")
		}
		if got := rec.names(xdsclient.ClusterType); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("last accepted clusters lost: %v", got)
		}

		cache := newCache()
		setSnapshot(t, cache, "v2", map[resource.Type][]types.Resource{
			resource.ClusterType: {cluster("b", 2), cluster("c", 2)},
			resource.RouteType:   {route("r1")},
		})
		srv2 := startServer(t, addr, cache)
		waitFor(t, "resync to v2", func() bool {
			return slices.Equal(rec.names(xdsclient.ClusterType), []string{"b", "c"})
		})
		if got := rec.get(xdsclient.ClusterType, "b").(*clusterv3.Cluster).GetConnectTimeout().AsDuration(); got != 2*time.Second {
			t.Errorf("cluster b after resync: timeout %v, want 2s", got)
		}
		waitFor(t, "connected again", func() bool { return c.Status().Connected })
		waitFor(t, "v2 ACKed", func() bool { return srv2.acked(delta, xdsclient.ClusterType, "v2") })
		// Subscriptions were re-sent on the new stream.
		waitFor(t, "route subscription re-sent", func() bool {
			if !delta {
				return srv2.acked(delta, xdsclient.RouteType, "v2")
			}
			for _, r := range srv2.deltaRequests() {
				if r.GetTypeUrl() == xdsclient.RouteType && slices.Equal(r.GetResourceNamesSubscribe(), []string{"r1"}) {
					return true
				}
			}
			return false
		})
		if delta {
			first := srv2.deltaRequests()[0]
			if first.GetNode().GetId() != nodeID {
				t.Errorf("first request after reconnect lacks the node")
			}
			var clusters *map[string]string
			for _, r := range srv2.deltaRequests() {
				if r.GetTypeUrl() == xdsclient.ClusterType && r.GetInitialResourceVersions() != nil {
					v := r.GetInitialResourceVersions()
					clusters = &v
					break
				}
			}
			if clusters == nil || len(*clusters) != 2 {
				t.Errorf("delta resync did not send the initial resource versions of a and b: %v", clusters)
			}
		} else {
			for _, r := range srv2.requests() {
				if r.GetTypeUrl() == xdsclient.ClusterType {
					if r.GetVersionInfo() != "v1" || r.GetResponseNonce() != "" {
						t.Errorf("first SotW request after reconnect: version %q nonce %q, want v1 and no nonce", r.GetVersionInfo(), r.GetResponseNonce())
					}
					break
				}
			}
		}
	})
}

func TestDeltaAddAndRemove(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		srv := startServer(t, "127.0.0.1:0", newCache())
		srv.setSnapshot("v1", map[resource.Type][]types.Resource{
			resource.ClusterType: {cluster("a", 1), cluster("b", 1), cluster("c", 1)},
		})
		rec := newRecorder()
		startClient(t, srv.addr, delta, rec, []string{xdsclient.ClusterType})
		waitFor(t, "v1", func() bool { return len(rec.names(xdsclient.ClusterType)) == 3 })

		// b removed, c changed, d added; a untouched.
		srv.setSnapshot("v2", map[resource.Type][]types.Resource{
			resource.ClusterType: {cluster("a", 1), cluster("c", 2), cluster("d", 2)},
		})
		waitFor(t, "v2 merged", func() bool {
			return slices.Equal(rec.names(xdsclient.ClusterType), []string{"a", "c", "d"})
		})
		if got := rec.get(xdsclient.ClusterType, "c").(*clusterv3.Cluster).GetConnectTimeout().AsDuration(); got != 2*time.Second {
			t.Errorf("c not updated: %v", got)
		}
		if got := rec.version(xdsclient.ClusterType); got != "v2" {
			t.Errorf("handler version %q, want v2", got)
		}
		srv.setSnapshot("v3", map[resource.Type][]types.Resource{resource.ClusterType: {}})
		waitFor(t, "everything removed", func() bool {
			return len(rec.names(xdsclient.ClusterType)) == 0 && rec.version(xdsclient.ClusterType) == "v3"
		})
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	ok := xdsclient.Config{Address: "127.0.0.1:1", Node: &corev3.Node{Id: "n"}, Handler: newRecorder()}
	tests := map[string]func(*xdsclient.Config){
		"no address":   func(c *xdsclient.Config) { c.Address = "" },
		"no node id":   func(c *xdsclient.Config) { c.Node = nil },
		"no handler":   func(c *xdsclient.Config) { c.Handler = nil },
		"unknown type": func(c *xdsclient.Config) { c.Types = []string{"type.googleapis.com/foo"} },
		"min > max": func(c *xdsclient.Config) {
			c.BackoffMin, c.BackoffMax = time.Second, time.Millisecond
		},
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			mutate(&cfg)
			if _, err := xdsclient.New(cfg); !errors.Is(err, xdsclient.ErrInvalidConfig) {
				t.Errorf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := xdsclient.New(ok); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestRunTwice(t *testing.T) {
	c, err := xdsclient.New(xdsclient.Config{Address: "127.0.0.1:1", Node: &corev3.Node{Id: "n"}, Handler: newRecorder(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	time.Sleep(20 * time.Millisecond)
	if err := c.Run(ctx); !errors.Is(err, xdsclient.ErrAlreadyRunning) {
		t.Errorf("second Run = %v, want ErrAlreadyRunning", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
}

func TestTLS(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		cert, pool := selfSigned(t)
		creds := credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13})
		srv := startServer(t, "127.0.0.1:0", newCache(), grpc.Creds(creds))
		srv.setSnapshot("v1", map[resource.Type][]types.Resource{resource.ClusterType: {cluster("a", 1)}})
		rec := newRecorder()
		startClientTLS(t, srv.addr, delta, rec, []string{xdsclient.ClusterType}, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13})
		waitFor(t, "clusters over TLS", func() bool { return slices.Equal(rec.names(xdsclient.ClusterType), []string{"a"}) })

		// A client that does not trust the server never gets config.
		rec2 := newRecorder()
		c2 := startClientTLS(t, srv.addr, delta, rec2, []string{xdsclient.ClusterType}, &tls.Config{MinVersion: tls.VersionTLS13})
		time.Sleep(200 * time.Millisecond)
		if rec2.callCount() != 0 || c2.Status().Connected {
			t.Error("client without the server's CA got config")
		}
	})
}

// The usual proxy pattern: on a CDS update the Handler subscribes to the EDS of those clusters,
// from inside OnUpdate.
func TestHandlerSubscribesFromOnUpdate(t *testing.T) {
	forModes(t, func(t *testing.T, delta bool) {
		srv := startServer(t, "127.0.0.1:0", newCache())
		srv.setSnapshot("v1", map[resource.Type][]types.Resource{
			resource.ClusterType:  {cluster("a", 1), cluster("b", 1)},
			resource.EndpointType: {endpoints("a"), endpoints("b")},
		})
		rec := newRecorder()
		var c *xdsclient.Client
		h := xdsclient.HandlerFunc(func(typ, version string, res map[string]proto.Message) error {
			if typ == xdsclient.ClusterType {
				c.Subscribe(xdsclient.EndpointType, slices.Sorted(maps.Keys(res)))
			}
			return rec.OnUpdate(typ, version, res)
		})
		c, err := xdsclient.New(xdsclient.Config{
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Address: srv.addr,
			Node: &corev3.Node{Id: nodeID}, Delta: delta, Handler: h,
			Types: []string{xdsclient.ClusterType, xdsclient.EndpointType}, BackoffMin: 20 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		defer func() { cancel(); <-done }()
		waitFor(t, "endpoints of a and b", func() bool {
			return slices.Equal(rec.names(xdsclient.EndpointType), []string{"a", "b"})
		})
	})
}
