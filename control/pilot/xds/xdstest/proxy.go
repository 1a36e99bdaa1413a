package xdstest

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sort"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// Proxy is a simulated proxy connected over ADS.
type Proxy struct {
	client *xdsclient.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	resources map[string]map[string]proto.Message
	versions  map[string]string
	accepted  map[string]time.Time
	reject    func(typeURL string, res map[string]proto.Message) error
	changed   chan struct{}
}

// Options configure a simulated proxy.
type Options struct {
	Address string
	Node    *corev3.Node
	Delta   bool
	TLS     *tls.Config // nil: plaintext
	Logger  *slog.Logger
	// Reject, when set, is asked about every update; a non-nil error NACKs it.
	Reject func(typeURL string, res map[string]proto.Message) error
}

// Start connects a simulated proxy; Close stops it.
func Start(o Options) (*Proxy, error) {
	p := &Proxy{resources: map[string]map[string]proto.Message{}, versions: map[string]string{}, accepted: map[string]time.Time{},
		reject: o.Reject, changed: make(chan struct{}), done: make(chan struct{})}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := xdsclient.New(xdsclient.Config{Logger: log, Address: o.Address, Node: o.Node, Delta: o.Delta, TLS: o.TLS,
		Handler: xdsclient.HandlerFunc(p.onUpdate), BackoffMin: 50 * time.Millisecond, BackoffMax: time.Second,
		Types: []string{xdsclient.ClusterType, xdsclient.EndpointType, xdsclient.ListenerType, xdsclient.RouteType, xdsclient.ExtensionConfigType}})
	if err != nil {
		return nil, err
	}
	p.client = c
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		_ = c.Run(ctx)
	}()
	return p, nil
}

// Close disconnects and waits for the client to stop.
func (p *Proxy) Close() {
	p.cancel()
	<-p.done
}

// SetReject replaces the rejection function.
func (p *Proxy) SetReject(f func(typeURL string, res map[string]proto.Message) error) {
	p.mu.Lock()
	p.reject = f
	p.mu.Unlock()
}

func (p *Proxy) onUpdate(typeURL, version string, res map[string]proto.Message) error {
	p.mu.Lock()
	reject := p.reject
	p.mu.Unlock()
	if reject != nil {
		if err := reject(typeURL, res); err != nil {
			return err
		}
	}
	switch typeURL {
	case xdsclient.ClusterType:
		var eds []string
		for name, m := range res {
			if c, ok := m.(*clusterv3.Cluster); ok && c.GetType() == clusterv3.Cluster_EDS {
				eds = append(eds, name)
			}
		}
		sort.Strings(eds)
		p.client.Subscribe(xdsclient.EndpointType, eds)
	case xdsclient.ListenerType:
		routes, ecds := references(res)
		p.client.Subscribe(xdsclient.RouteType, routes)
		p.client.Subscribe(xdsclient.ExtensionConfigType, ecds)
	}
	p.mu.Lock()
	p.resources[typeURL] = res
	p.versions[typeURL] = version
	p.accepted[typeURL] = time.Now()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	return nil
}

// references lists the RDS and ECDS names the listeners use.
func references(res map[string]proto.Message) (routes, ecds []string) {
	seenR, seenE := map[string]bool{}, map[string]bool{}
	for _, m := range res {
		l, ok := m.(*listenerv3.Listener)
		if !ok {
			continue
		}
		chains := append([]*listenerv3.FilterChain(nil), l.GetFilterChains()...)
		if l.GetDefaultFilterChain() != nil {
			chains = append(chains, l.GetDefaultFilterChain())
		}
		for _, fc := range chains {
			for _, f := range fc.GetFilters() {
				var h hcmv3.HttpConnectionManager
				if f.GetTypedConfig().UnmarshalTo(&h) != nil {
					continue
				}
				if n := h.GetRds().GetRouteConfigName(); n != "" && !seenR[n] {
					seenR[n] = true
					routes = append(routes, n)
				}
				for _, hf := range h.GetHttpFilters() {
					if hf.GetConfigDiscovery() != nil && !seenE[hf.GetName()] {
						seenE[hf.GetName()] = true
						ecds = append(ecds, hf.GetName())
					}
				}
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(ecds)
	return routes, ecds
}

// Version returns the last accepted version of a type.
func (p *Proxy) Version(typeURL string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.versions[typeURL]
}

// Resources returns the accepted resources of a type.
func (p *Proxy) Resources(typeURL string) map[string]proto.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.resources[typeURL]
}

// AcceptedAt returns when the type was last accepted.
func (p *Proxy) AcceptedAt(typeURL string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted[typeURL]
}

// Status is the client's own view (connection, ACK/NACK per type).
func (p *Proxy) Status() xdsclient.Status { return p.client.Status() }

// Wait blocks until cond holds (checked after every accepted update) or ctx
// ends; it returns ctx's error then.
func (p *Proxy) Wait(ctx context.Context, cond func(*Proxy) bool) error {
	for {
		p.mu.Lock()
		ch := p.changed
		p.mu.Unlock()
		if cond(p) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
