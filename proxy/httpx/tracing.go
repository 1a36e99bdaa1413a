package httpx

import (
	"context"
	"net"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/tracing"
)

// tracerKey identifies a shared tracer: the collector config and, for an
// envoy_grpc collector, the cluster manager whose hosts it dials.
type tracerKey struct {
	protocol, cluster, target, path, service string
	percent                                  float64
	clusters                                 *cluster.Manager
}

// newTracer returns the HCM's shared tracer and its span tags, or nil when
// tracing is off or its exporter cannot be built (logged).
func (h *Handler) newTracer() (*tracing.Tracer, tracing.Tags) {
	t := h.o.HCM.Tracing
	if t == nil {
		return nil, nil
	}
	key := tracerKey{protocol: t.Protocol, cluster: t.Cluster, target: t.Target, path: t.URLPath,
		service: t.ServiceName, percent: t.SamplingPercent}
	cfg := tracing.Config{Endpoint: t.Target, Protocol: t.Protocol, URLPath: t.URLPath,
		SamplingPercent: t.SamplingPercent, Service: t.ServiceName}
	if t.Cluster != "" {
		key.clusters = h.o.Clusters
		cfg.Endpoint, cfg.Dial = t.Cluster, clusterDialer(h.o.Clusters, t.Cluster)
	}
	tr, err := tracing.Shared(key, cfg)
	if err != nil {
		h.o.Log.Warn("tracing off for this listener", "stat_prefix", h.o.HCM.StatPrefix, "err", err)
		return nil, nil
	}
	tags := map[string]string{}
	if h.o.NodeID != "" {
		tags["node_id"] = h.o.NodeID
	}
	for k, v := range t.Tags {
		tags[k] = v
	}
	return tr, tracing.NewTags(tags)
}

// clusterDialer connects to a host of the named cluster, as Envoy's envoy_grpc does.
func clusterDialer(m *cluster.Manager, name string) func(context.Context, string) (net.Conn, error) {
	return func(ctx context.Context, _ string) (net.Conn, error) {
		cl := m.Get(name)
		if cl == nil {
			return nil, cluster.ErrNoHealthyHost
		}
		host, err := cl.Pick(&cluster.PickContext{})
		if err != nil {
			return nil, err
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", host.Addr)
	}
}

// spanName is Istio's operation name: the request's host:port and "/*".
func spanName(s *Stream) string {
	host := s.Req.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		port := 80
		if a, ok := s.Conn.OriginalDst.(*net.TCPAddr); ok {
			port = a.Port
		} else if a, ok := s.Conn.Local.(*net.TCPAddr); ok {
			port = a.Port
		}
		host = net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), strconv.Itoa(port))
	}
	return host + "/*"
}

// traceStart continues or starts the request's trace and rewrites its
// propagation headers for the upstream; the returned func ends the span.
func (h *Handler) traceStart(s *Stream) func() {
	ctx, sp := h.tracer.Start(s.Req, spanName(s), s.Conn.Direction == "OUTBOUND", h.tags)
	h.tracer.Inject(ctx, s.Req.Header)
	return func() {
		sp.End(tracing.Result{Status: s.Status, Flags: s.flags(), Cluster: s.Cluster, BytesIn: s.BytesIn, BytesOut: s.BytesOut})
	}
}
