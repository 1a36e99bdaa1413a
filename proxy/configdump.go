package proxy

import (
	"sort"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// configDump renders Envoy's /config_dump JSON of what is accepted, with versions.
// Private keys are redacted as Envoy does.
func (p *Proxy) configDump() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.state
	ts := func(t string) *timestamppb.Timestamp {
		if u, ok := st.updatedAt[t]; ok {
			return timestamppb.New(u)
		}
		return nil
	}
	anyOf := func(m proto.Message) *anypb.Any {
		a, _ := anypb.New(m)
		return a
	}
	sorted := func(m map[string]proto.Message) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	var configs []*anypb.Any
	configs = append(configs, anyOf(&adminv3.BootstrapConfigDump{}))

	ld := &adminv3.ListenersConfigDump{VersionInfo: st.versions[xdsclient.ListenerType]}
	for _, n := range sorted(st.static[xdsclient.ListenerType]) {
		ld.StaticListeners = append(ld.StaticListeners, &adminv3.ListenersConfigDump_StaticListener{Listener: anyOf(st.static[xdsclient.ListenerType][n])})
	}
	for _, n := range sorted(st.raw[xdsclient.ListenerType]) {
		dl := &adminv3.ListenersConfigDump_DynamicListener{Name: n}
		s := &adminv3.ListenersConfigDump_DynamicListenerState{VersionInfo: st.versions[xdsclient.ListenerType],
			Listener: anyOf(st.raw[xdsclient.ListenerType][n]), LastUpdated: ts(xdsclient.ListenerType)}
		if st.active[n] == st.listeners[n] {
			dl.ActiveState = s
		} else {
			dl.WarmingState = s
		}
		ld.DynamicListeners = append(ld.DynamicListeners, dl)
	}
	configs = append(configs, anyOf(ld))

	cd := &adminv3.ClustersConfigDump{VersionInfo: st.versions[xdsclient.ClusterType]}
	for _, n := range sorted(st.static[xdsclient.ClusterType]) {
		cd.StaticClusters = append(cd.StaticClusters, &adminv3.ClustersConfigDump_StaticCluster{Cluster: anyOf(st.static[xdsclient.ClusterType][n])})
	}
	for _, n := range sorted(st.raw[xdsclient.ClusterType]) {
		cd.DynamicActiveClusters = append(cd.DynamicActiveClusters, &adminv3.ClustersConfigDump_DynamicCluster{
			VersionInfo: st.versions[xdsclient.ClusterType], Cluster: anyOf(st.raw[xdsclient.ClusterType][n]), LastUpdated: ts(xdsclient.ClusterType)})
	}
	configs = append(configs, anyOf(cd))

	rd := &adminv3.RoutesConfigDump{}
	for _, n := range sorted(st.raw[xdsclient.RouteType]) {
		rd.DynamicRouteConfigs = append(rd.DynamicRouteConfigs, &adminv3.RoutesConfigDump_DynamicRouteConfig{
			VersionInfo: st.versions[xdsclient.RouteType], RouteConfig: anyOf(st.raw[xdsclient.RouteType][n]), LastUpdated: ts(xdsclient.RouteType)})
	}
	configs = append(configs, anyOf(rd))

	sd := &adminv3.SecretsConfigDump{}
	for _, n := range sorted(st.static[xdsclient.SecretType]) {
		sd.StaticSecrets = append(sd.StaticSecrets, &adminv3.SecretsConfigDump_StaticSecret{Name: n, Secret: anyOf(redact(st.static[xdsclient.SecretType][n]))})
	}
	for _, n := range sorted(st.raw[xdsclient.SecretType]) {
		sd.DynamicActiveSecrets = append(sd.DynamicActiveSecrets, &adminv3.SecretsConfigDump_DynamicSecret{Name: n,
			VersionInfo: st.versions[xdsclient.SecretType], Secret: anyOf(redact(st.raw[xdsclient.SecretType][n])), LastUpdated: ts(xdsclient.SecretType)})
	}
	if d, ok := p.cfg.LocalSecrets.(SecretDumper); ok {
		local := d.DumpSecrets()
		names := make([]string, 0, len(local))
		for n := range local {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			sd.DynamicActiveSecrets = append(sd.DynamicActiveSecrets, &adminv3.SecretsConfigDump_DynamicSecret{Name: n,
				VersionInfo: "local-agent", Secret: anyOf(redact(local[n]))})
		}
	}
	configs = append(configs, anyOf(sd))

	ed := &adminv3.EndpointsConfigDump{}
	for _, n := range sorted(st.raw[xdsclient.EndpointType]) {
		ed.DynamicEndpointConfigs = append(ed.DynamicEndpointConfigs, &adminv3.EndpointsConfigDump_DynamicEndpointConfig{
			VersionInfo: st.versions[xdsclient.EndpointType], EndpointConfig: anyOf(st.raw[xdsclient.EndpointType][n]), LastUpdated: ts(xdsclient.EndpointType)})
	}
	configs = append(configs, anyOf(ed))

	xd := &adminv3.EcdsConfigDump{}
	for _, n := range sorted(st.raw[xdsclient.ExtensionConfigType]) {
		xd.EcdsFilters = append(xd.EcdsFilters, &adminv3.EcdsConfigDump_EcdsFilterConfig{
			VersionInfo: st.versions[xdsclient.ExtensionConfigType], EcdsFilter: anyOf(st.raw[xdsclient.ExtensionConfigType][n]), LastUpdated: ts(xdsclient.ExtensionConfigType)})
	}
	configs = append(configs, anyOf(xd))
	return protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&adminv3.ConfigDump{Configs: configs})
}

func redact(m proto.Message) proto.Message {
	s, ok := m.(*tlsv3.Secret)
	if !ok || s.GetTlsCertificate() == nil {
		return m
	}
	c := proto.Clone(s).(*tlsv3.Secret)
	c.GetTlsCertificate().PrivateKey = &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: "[redacted]"}}
	return c
}
