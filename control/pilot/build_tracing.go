package pilot

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/wasmesh/wasmesh/control/api"
)

// TracingIR is an HTTP connection manager's tracing: OpenTelemetry spans
// exported over OTLP/gRPC through Cluster.
type TracingIR struct {
	SamplingPercent float64 `json:"samplingPercent"`
	ServiceName     string  `json:"serviceName"`
	Cluster         string  `json:"cluster"`
}

// tracing resolves the Telemetry tracing that applies to the proxy, as
// Istio does: a selector or targetRef match in the proxy's namespace, else
// the namespace-wide resource, else the mesh-wide one in the root
// namespace. The spans go to the mesh's one provider (MeshConfig
// TracingOTLPAddress). Returns nil when tracing is off.
func (b *builder) tracing() *TracingIR {
	c := b.telemetry(func(t *api.Telemetry) bool { return len(t.Tracing) > 0 })
	if c == nil {
		return nil
	}
	tr := c.Spec.(*api.Telemetry).Tracing[0]
	if tr.DisableSpanReporting != nil && *tr.DisableSpanReporting {
		return nil
	}
	addr := b.ix.mesh.TracingOTLPAddress
	if addr == "" {
		b.warn("Telemetry %s/%s: tracing needs the mesh's tracing provider (meshd --tracing-otlp-address)", c.Metadata.Namespace, c.Metadata.Name)
		return nil
	}
	host, portText, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 1 || port > 65535 || host == "" {
		b.warn("tracing provider address %q is not host:port", addr)
		return nil
	}
	out := &TracingIR{SamplingPercent: 1, ServiceName: b.tracingService(), Cluster: "tracing|" + net.JoinHostPort(host, portText)}
	if p := tr.RandomSamplingPercentage; p != nil {
		out.SamplingPercent = min(max(*p, 0), 100)
	}
	kind := ClusterStrictDNS
	if _, err := netip.ParseAddr(host); err == nil {
		kind = ClusterStatic
	}
	b.addCluster(ClusterIR{Name: out.Cluster, Kind: kind, Protocol: api.ProtocolGRPC, Endpoints: []EndpointIR{{Address: host, Port: uint32(port)}}})
	return out
}

// tracingService is Istio's span service name: the canonical service and
// the namespace.
func (b *builder) tracingService() string {
	for _, k := range []string{"service.istio.io/canonical-name", "app.kubernetes.io/name", "app"} {
		if v := b.node.Labels[k]; v != "" {
			return v + "." + b.node.Namespace
		}
	}
	if b.node.Service != "" {
		return b.node.Service + "." + b.node.Namespace
	}
	return b.node.Namespace
}

// applyTracing sets the tracing on every HTTP connection manager.
func (b *builder) applyTracing() {
	t := b.tracing()
	if t == nil {
		return
	}
	for i := range b.ir.Listeners {
		l := &b.ir.Listeners[i]
		for j := range l.Chains {
			if h := l.Chains[j].HTTP; h != nil {
				h.Tracing = t
			}
		}
		if l.Default != nil && l.Default.HTTP != nil {
			l.Default.HTTP.Tracing = t
		}
	}
}
