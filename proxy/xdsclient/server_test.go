package xdsclient_test

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

const nodeID = "sidecar~127.0.0.1~app-1.default~default.svc.cluster.local"

// xdsServer is go-control-plane's own ADS server on a loopback listener, recording every
// request it receives.
type xdsServer struct {
	t      *testing.T
	addr   string
	cache  cachev3.SnapshotCache
	gs     *grpc.Server
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	reqs      []*discoveryv3.DiscoveryRequest
	deltaReqs []*discoveryv3.DeltaDiscoveryRequest
}

// startServer serves cache on addr ("127.0.0.1:0" for a fresh port), plaintext unless server
// options say otherwise.
func startServer(t *testing.T, addr string, cache cachev3.SnapshotCache, opts ...grpc.ServerOption) *xdsServer {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	s := &xdsServer{t: t, addr: lis.Addr().String(), cache: cache, gs: grpc.NewServer(opts...), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	cb := serverv3.CallbackFuncs{
		StreamRequestFunc: func(_ int64, r *discoveryv3.DiscoveryRequest) error {
			s.mu.Lock()
			s.reqs = append(s.reqs, proto.Clone(r).(*discoveryv3.DiscoveryRequest))
			s.mu.Unlock()
			return nil
		},
		StreamDeltaRequestFunc: func(_ int64, r *discoveryv3.DeltaDiscoveryRequest) error {
			s.mu.Lock()
			s.deltaReqs = append(s.deltaReqs, proto.Clone(r).(*discoveryv3.DeltaDiscoveryRequest))
			s.mu.Unlock()
			return nil
		},
	}
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(s.gs, serverv3.NewServer(ctx, cache, cb))
	go func() {
		defer close(s.done)
		_ = s.gs.Serve(lis)
	}()
	t.Cleanup(s.stop)
	return s
}

func (s *xdsServer) stop() {
	s.gs.Stop()
	s.cancel()
	<-s.done
}

func (s *xdsServer) requests() []*discoveryv3.DiscoveryRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *xdsServer) deltaRequests() []*discoveryv3.DeltaDiscoveryRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deltaReqs)
}

// acked reports whether the server saw an ACK for typeURL (of version, in SotW).
func (s *xdsServer) acked(delta bool, typeURL, version string) bool {
	if delta {
		for _, r := range s.deltaRequests() {
			if r.GetTypeUrl() == typeURL && r.GetResponseNonce() != "" && r.GetErrorDetail() == nil {
				return true
			}
		}
		return false
	}
	for _, r := range s.requests() {
		if r.GetTypeUrl() == typeURL && r.GetResponseNonce() != "" && r.GetErrorDetail() == nil && r.GetVersionInfo() == version {
			return true
		}
	}
	return false
}

// nacks returns the error details the server received for typeURL.
func (s *xdsServer) nacks(delta bool, typeURL string) []string {
	var out []string
	if delta {
		for _, r := range s.deltaRequests() {
			if r.GetTypeUrl() == typeURL && r.GetErrorDetail() != nil {
				out = append(out, r.GetErrorDetail().GetMessage())
			}
		}
		return out
	}
	for _, r := range s.requests() {
		if r.GetTypeUrl() == typeURL && r.GetErrorDetail() != nil {
			out = append(out, r.GetErrorDetail().GetMessage())
		}
	}
	return out
}

func (s *xdsServer) setSnapshot(version string, res map[resource.Type][]types.Resource) {
	s.t.Helper()
	setSnapshot(s.t, s.cache, version, res)
}

func setSnapshot(t *testing.T, cache cachev3.SnapshotCache, version string, res map[resource.Type][]types.Resource) {
	t.Helper()
	snap, err := cachev3.NewSnapshot(version, res)
	if err != nil {
		t.Fatalf("new snapshot: %v", err)
	}
	if err := cache.SetSnapshot(context.Background(), nodeID, snap); err != nil {
		t.Fatalf("set snapshot: %v", err)
	}
}

func newCache() cachev3.SnapshotCache {
	return cachev3.NewSnapshotCache(true, cachev3.IDHash{}, quietLogger{})
}

// quietLogger silences go-control-plane's logging in tests.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}

// Resource builders; the connect timeout carries a marker so tests can tell contents apart.
func cluster(name string, marker int64) *clusterv3.Cluster {
	return &clusterv3.Cluster{Name: name, ConnectTimeout: durationpb.New(time.Duration(marker) * time.Second)}
}
func listener(name string) *listenerv3.Listener { return &listenerv3.Listener{Name: name} }
func route(name string) *routev3.RouteConfiguration {
	return &routev3.RouteConfiguration{Name: name}
}
func endpoints(name string) *endpointv3.ClusterLoadAssignment {
	return &endpointv3.ClusterLoadAssignment{ClusterName: name}
}
func secret(name string) *tlsv3.Secret { return &tlsv3.Secret{Name: name} }
func extension(name string) *corev3.TypedExtensionConfig {
	return &corev3.TypedExtensionConfig{Name: name}
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
