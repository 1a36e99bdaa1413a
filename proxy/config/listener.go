package config

import (
	"fmt"
	"net"
	"strconv"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/http_inspector/v3" // registers the type
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/original_dst/v3"   // registers the type
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"  // registers the type
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// Well-known filter names.
const (
	NetworkHCM      = "envoy.filters.network.http_connection_manager"
	NetworkTCPProxy = "envoy.filters.network.tcp_proxy"
	TransportTLS    = "envoy.transport_sockets.tls"
)

// TranslateListener translates one LDS listener.
func TranslateListener(l *listenerv3.Listener) (*Listener, error) {
	out, err := listener(l)
	return out, wrap("listener", l.GetName(), err)
}

func listener(l *listenerv3.Listener) (*Listener, error) {
	if err := onlyFields(l, "name", "address", "stat_prefix", "filter_chains", "use_original_dst",
		"default_filter_chain", "metadata", "listener_filters", "listener_filters_timeout",
		"continue_on_listener_filters_timeout", "traffic_direction", "bind_to_port", "access_log",
		"per_connection_buffer_limit_bytes", "drain_type"); err != nil {
		return nil, err
	}
	if l.GetName() == "" {
		return nil, invalid("name", "empty")
	}
	addr, err := socketAddress("address", l.GetAddress())
	if err != nil {
		return nil, err
	}
	out := &Listener{
		Name:           l.GetName(),
		Address:        addr,
		UseOriginalDst: l.GetUseOriginalDst().GetValue(),
		BindToPort:     l.GetBindToPort() == nil || l.GetBindToPort().GetValue(),
		Direction:      l.GetTrafficDirection().String(),
	}
	if len(l.GetAccessLog()) > 0 {
		return nil, unsupported("access_log", "listener access logs (use the HTTP connection manager's)")
	}
	for i, lf := range l.GetListenerFilters() {
		switch lf.GetName() {
		case "envoy.filters.listener.tls_inspector", "envoy.filters.listener.http_inspector",
			"envoy.filters.listener.original_dst":
		default:
			return nil, unsupported(fmt.Sprintf("listener_filters[%d].name", i), "%q", lf.GetName())
		}
		if lf.GetFilterDisabled() != nil {
			return nil, unsupported(fmt.Sprintf("listener_filters[%d].filter_disabled", i), "set")
		}
	}
	for i, fc := range l.GetFilterChains() {
		c, err := filterChain(fc)
		if err != nil {
			return nil, at(fmt.Sprintf("filter_chains[%d]", i), err)
		}
		out.FilterChains = append(out.FilterChains, *c)
	}
	if d := l.GetDefaultFilterChain(); d != nil {
		c, err := filterChain(d)
		if err != nil {
			return nil, at("default_filter_chain", err)
		}
		out.DefaultChain = c
	}
	if len(out.FilterChains) == 0 && out.DefaultChain == nil {
		return nil, invalid("filter_chains", "no filter chains")
	}
	for _, c := range out.FilterChains {
		if len(c.Match.ServerNames) > 0 || len(c.Match.ALPN) > 0 || c.Match.TransportProtocol != "" {
			out.NeedsTLSPeek = true
		}
	}
	return out, nil
}

func socketAddress(field string, a *corev3.Address) (string, error) {
	sa := a.GetSocketAddress()
	if sa == nil {
		return "", unsupported(field, "only socket_address")
	}
	if err := onlyFields(sa, "address", "port_value", "protocol", "ipv4_compat"); err != nil {
		return "", at(field+".socket_address", err)
	}
	if sa.GetProtocol() != corev3.SocketAddress_TCP {
		return "", unsupported(field+".socket_address.protocol", "%v", sa.GetProtocol())
	}
	return net.JoinHostPort(sa.GetAddress(), strconv.Itoa(int(sa.GetPortValue()))), nil
}

func filterChain(fc *listenerv3.FilterChain) (*FilterChain, error) {
	if err := onlyFields(fc, "filter_chain_match", "filters", "transport_socket", "name", "metadata",
		"transport_socket_connect_timeout"); err != nil {
		return nil, err
	}
	out := &FilterChain{Name: fc.GetName()}
	if m := fc.GetFilterChainMatch(); m != nil {
		if err := onlyFields(m, "destination_port", "server_names", "transport_protocol", "application_protocols"); err != nil {
			return nil, at("filter_chain_match", err)
		}
		out.Match = FilterChainMatch{
			DestinationPort:   m.GetDestinationPort().GetValue(),
			ServerNames:       m.GetServerNames(),
			TransportProtocol: m.GetTransportProtocol(),
			ALPN:              m.GetApplicationProtocols(),
		}
		switch out.Match.TransportProtocol {
		case "", "tls", "raw_buffer":
		default:
			return nil, unsupported("filter_chain_match.transport_protocol", "%q", out.Match.TransportProtocol)
		}
	}
	if ts := fc.GetTransportSocket(); ts != nil {
		t, err := downstreamTLS(ts)
		if err != nil {
			return nil, at("transport_socket", err)
		}
		out.TLS = t
	}
	if len(fc.GetFilters()) == 0 {
		return nil, invalid("filters", "no network filters")
	}
	for i, f := range fc.GetFilters() {
		field := fmt.Sprintf("filters[%d]", i)
		if i != len(fc.GetFilters())-1 {
			w, err := leadingNetworkFilter(f)
			if err != nil {
				return nil, at(field, err)
			}
			out.NetWasm = append(out.NetWasm, *w)
			continue
		}
		if f.GetConfigDiscovery() != nil {
			return nil, unsupported(field+".config_discovery", "network filter ECDS")
		}
		msg, err := anypb.UnmarshalNew(f.GetTypedConfig(), unmarshalOpts)
		if err != nil {
			return nil, invalid(field+".typed_config", "%v", err)
		}
		switch c := msg.(type) {
		case *hcmv3.HttpConnectionManager:
			h, err := httpConnectionManager(c)
			if err != nil {
				return nil, at(field+".typed_config", err)
			}
			out.HTTP = h
		case *tcpv3.TcpProxy:
			t, err := tcpProxy(c)
			if err != nil {
				return nil, at(field+".typed_config", err)
			}
			out.TCP = t
		default:
			if err := checkNetworkWasmChain(out, f); err != nil {
				return nil, at(field, err)
			}
			return nil, unsupported(field, "network filter %q (%s)", f.GetName(), f.GetTypedConfig().GetTypeUrl())
		}
		if err := checkNetworkWasmChain(out, f); err != nil {
			return nil, at(field, err)
		}
	}
	return out, nil
}

func downstreamTLS(ts *corev3.TransportSocket) (*DownstreamTLS, error) {
	if ts.GetName() != TransportTLS && ts.GetTypedConfig().GetTypeUrl() != "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext" {
		return nil, unsupported("name", "transport socket %q", ts.GetName())
	}
	var c tlsv3.DownstreamTlsContext
	if err := ts.GetTypedConfig().UnmarshalTo(&c); err != nil {
		return nil, invalid("typed_config", "%v", err)
	}
	if err := onlyFields(&c, "common_tls_context", "require_client_certificate"); err != nil {
		return nil, at("typed_config", err)
	}
	cert, val, sans, alpn, err := commonTLS("typed_config.common_tls_context", c.GetCommonTlsContext())
	if err != nil {
		return nil, err
	}
	if cert.IsZero() {
		return nil, invalid("typed_config.common_tls_context", "no server certificate")
	}
	return &DownstreamTLS{Cert: cert, Validation: val, MatchSANs: sans, ALPN: alpn,
		RequireClientCert: c.GetRequireClientCertificate().GetValue()}, nil
}

func tcpProxy(t *tcpv3.TcpProxy) (*TCPProxy, error) {
	if err := onlyFields(t, "stat_prefix", "cluster", "weighted_clusters", "idle_timeout", "access_log"); err != nil {
		return nil, err
	}
	out := &TCPProxy{StatPrefix: t.GetStatPrefix(), Cluster: t.GetCluster(), AccessLog: len(t.GetAccessLog()) > 0}
	out.IdleTimeout = dur(t.GetIdleTimeout())
	if t.IdleTimeout == nil {
		out.IdleTimeout = defaultTCPIdle
	}
	for i, w := range t.GetWeightedClusters().GetClusters() {
		if err := onlyFields(w, "name", "weight"); err != nil {
			return nil, at(fmt.Sprintf("weighted_clusters.clusters[%d]", i), err)
		}
		out.Weighted = append(out.Weighted, WeightedCluster{Name: w.GetName(), Weight: w.GetWeight()})
	}
	if out.Cluster == "" && len(out.Weighted) == 0 {
		return nil, invalid("cluster", "no cluster")
	}
	for i, al := range t.GetAccessLog() {
		if err := accessLog(al); err != nil {
			return nil, at(fmt.Sprintf("access_log[%d]", i), err)
		}
	}
	return out, nil
}
