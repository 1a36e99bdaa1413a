package pilot

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	corsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	originaldstv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/original_dst/v3"
	tlsinspectorv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Network filter and transport socket names.
const (
	NetworkHCM      = "envoy.filters.network.http_connection_manager"
	NetworkTCPProxy = "envoy.filters.network.tcp_proxy"
	TransportTLS    = "envoy.transport_sockets.tls"
	ListenerOrigDst = "envoy.filters.listener.original_dst"
	ListenerTLSPeek = "envoy.filters.listener.tls_inspector"
)

func emitListener(l *ListenerIR) *listenerv3.Listener {
	out := &listenerv3.Listener{Name: l.Name, Address: socketAddress(l.Address, l.Port)}
	out.TrafficDirection = corev3.TrafficDirection_OUTBOUND
	if l.Direction == Inbound {
		out.TrafficDirection = corev3.TrafficDirection_INBOUND
	}
	if l.UseOriginalDst {
		out.UseOriginalDst = wrapperspb.Bool(true)
		out.ListenerFilters = append(out.ListenerFilters, &listenerv3.ListenerFilter{Name: ListenerOrigDst,
			ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: mustAny(&originaldstv3.OriginalDst{})}})
	}
	peek := false
	for i := range l.Chains {
		c := &l.Chains[i]
		peek = peek || c.TransportProtocol != "" || len(c.SNI) > 0
		out.FilterChains = append(out.FilterChains, emitChain(c))
	}
	if l.Default != nil {
		out.DefaultFilterChain = emitChain(l.Default)
	}
	if peek {
		out.ListenerFilters = append(out.ListenerFilters, &listenerv3.ListenerFilter{Name: ListenerTLSPeek,
			ConfigType: &listenerv3.ListenerFilter_TypedConfig{TypedConfig: mustAny(&tlsinspectorv3.TlsInspector{})}})
	}
	return out
}

func emitChain(c *ChainIR) *listenerv3.FilterChain {
	out := &listenerv3.FilterChain{Name: c.Name}
	if c.DestPort != 0 || c.TransportProtocol != "" || len(c.SNI) > 0 {
		out.FilterChainMatch = &listenerv3.FilterChainMatch{TransportProtocol: c.TransportProtocol, ServerNames: c.SNI}
		if c.DestPort != 0 {
			out.FilterChainMatch.DestinationPort = wrapperspb.UInt32(c.DestPort)
		}
	}
	if c.TLS != nil {
		out.TransportSocket = &corev3.TransportSocket{Name: TransportTLS, ConfigType: &corev3.TransportSocket_TypedConfig{
			TypedConfig: mustAny(&tlsv3.DownstreamTlsContext{CommonTlsContext: commonTLS(c.TLS.Mesh, c.TLS.CertFile, c.TLS.KeyFile, c.TLS.CAFile, c.TLS.SDSName, c.TLS.SANs, c.TLS.ALPN, c.TLS.RequireClientCert),
				RequireClientCertificate: wrapperspb.Bool(c.TLS.RequireClientCert)})}}
	}
	switch {
	case c.HTTP != nil:
		hcm := emitHCM(c.HTTP)
		hcm.AccessLog = emitAccessLog(c.AccessLog)
		out.Filters = []*listenerv3.Filter{{Name: NetworkHCM, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: mustAny(hcm)}}}
	default:
		tp := &tcpv3.TcpProxy{StatPrefix: c.TCPCluster, ClusterSpecifier: &tcpv3.TcpProxy_Cluster{Cluster: c.TCPCluster}}
		if len(c.TCPWeighted) > 0 {
			wc := &tcpv3.TcpProxy_WeightedCluster{}
			for _, w := range c.TCPWeighted {
				wc.Clusters = append(wc.Clusters, &tcpv3.TcpProxy_WeightedCluster_ClusterWeight{Name: w.Cluster, Weight: w.Weight})
			}
			tp.StatPrefix = c.Name
			tp.ClusterSpecifier = &tcpv3.TcpProxy_WeightedClusters{WeightedClusters: wc}
		}
		tp.AccessLog = emitAccessLog(c.AccessLog)
		out.Filters = append(emitNetworkWasm(c.NetworkWasm), &listenerv3.Filter{Name: NetworkTCPProxy, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: mustAny(tp)}})
	}
	return out
}

func emitHCM(h *HTTPChain) *hcmv3.HttpConnectionManager {
	out := &hcmv3.HttpConnectionManager{StatPrefix: h.StatPrefix, CodecType: hcmv3.HttpConnectionManager_AUTO,
		UpgradeConfigs: []*hcmv3.HttpConnectionManager_UpgradeConfig{{UpgradeType: "websocket"}}}
	if h.Inline != nil {
		out.RouteSpecifier = &hcmv3.HttpConnectionManager_RouteConfig{RouteConfig: emitRouteTable(h.Inline)}
	} else {
		out.RouteSpecifier = &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{ConfigSource: adsSource(), RouteConfigName: h.RouteName}}
	}
	for _, f := range h.Filters {
		out.HttpFilters = append(out.HttpFilters, emitHTTPFilter(f))
	}
	out.Tracing = emitTracing(h.Tracing)
	out.HttpFilters = append(out.HttpFilters, &hcmv3.HttpFilter{Name: FilterRouter,
		ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: mustAny(&routerv3.Router{})}})
	return out
}

func emitHTTPFilter(f HTTPFilterIR) *hcmv3.HttpFilter {
	switch {
	case f.ECDS:
		return &hcmv3.HttpFilter{Name: f.Name, ConfigType: &hcmv3.HttpFilter_ConfigDiscovery{ConfigDiscovery: &corev3.ExtensionConfigSource{
			ConfigSource: adsSource(), TypeUrls: []string{wasmTypeURL, rbacTypeURL}}}}
	case f.Name == FilterJWT:
		return &hcmv3.HttpFilter{Name: f.Name, ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: mustAny(emitJWT(f.JWT))}}
	case f.Name == FilterFault:
		return &hcmv3.HttpFilter{Name: f.Name, ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: mustAny(&faultv3.HTTPFault{})}}
	default:
		return &hcmv3.HttpFilter{Name: f.Name, ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: mustAny(&corsv3.Cors{})}}
	}
}
