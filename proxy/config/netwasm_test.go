package config

import (
	"errors"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	netwasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/wasm/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// netWasmListener is a listener whose one chain has the given network
// filters (YAML list items).
func netWasmListener(filters string) string {
	return `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: l
address: {socket_address: {address: 127.0.0.1, port_value: 1}}
filter_chains:
- filters:
` + filters
}

const (
	tcpProxyFilter = `
  - name: envoy.filters.network.tcp_proxy
    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: s, cluster: c}
`
	hcmFilter = `
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: s
      rds: {route_config_name: r}
      http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`
	goodNetWasm = `
  - name: ns.tap
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
      config: {name: ns.tap, vm_config: {code: {local: {filename: /m.wasm}}}}
`
)

func TestNetworkWasmTranslated(t *testing.T) {
	got, err := TranslateListener(decodeAny(t, netWasmListener(goodNetWasm+goodNetWasm+tcpProxyFilter)).(*listenerv3.Listener))
	if err != nil {
		t.Fatal(err)
	}
	fc := got.FilterChains[0]
	if len(fc.NetWasm) != 2 || fc.NetWasm[0].Name != "ns.tap" || fc.NetWasm[0].LocalFile != "/m.wasm" || fc.TCP == nil || fc.TCP.Cluster != "c" {
		t.Fatalf("chain = %+v", fc)
	}
}

// TestNetworkWasmNACKs: each bad network Wasm config is refused with the
// field path and a message naming the filter.
func TestNetworkWasmNACKs(t *testing.T) {
	cases := []struct {
		name, filters, field, says string
		want                       error
	}{
		{"no code", `
  - name: ns.nocode
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
      config: {name: ns.nocode, vm_config: {vm_id: x}}
` + tcpProxyFilter, "filter_chains[0].filters[0].typed_config.config.vm_config.code", `network filter "ns.nocode"`, ErrInvalid},
		{"bad sha256", `
  - name: ns.sha
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
      config: {name: ns.sha, vm_config: {code: {remote: {http_uri: {uri: "http://x/m.wasm", cluster: c, timeout: 1s}, sha256: abc}}}}
` + tcpProxyFilter, "filter_chains[0].filters[0].typed_config.config.vm_config.code.remote.sha256", `network filter "ns.sha"`, ErrInvalid},
		{"unknown runtime", `
  - name: ns.rt
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
      config: {name: ns.rt, vm_config: {runtime: envoy.wasm.runtime.null, code: {local: {filename: /m.wasm}}}}
` + tcpProxyFilter, "filter_chains[0].filters[0].typed_config.config.vm_config.runtime", `network filter "ns.rt"`, ErrUnsupported},
		{"ecds", `
  - name: ns.ecds
    config_discovery: {config_source: {ads: {}}, type_urls: [type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm]}
` + tcpProxyFilter, "filter_chains[0].filters[0].config_discovery", `"ns.ecds" over ECDS`, ErrUnsupported},
		{"wasm last", goodNetWasm, "filter_chains[0].filters[0].name", `"ns.tap" ends the chain`, ErrInvalid},
		{"ahead of hcm", goodNetWasm + hcmFilter, "filter_chains[0].filters[1].name", `"ns.tap" ahead of http_connection_manager`, ErrUnsupported},
		{"other leading filter", tcpProxyFilter + tcpProxyFilter, "filter_chains[0].filters[0].name", `only envoy.filters.network.wasm may be`, ErrUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := TranslateListener(decodeAny(t, netWasmListener(c.filters)).(*listenerv3.Listener))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if ce.Field != c.field || !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v (field %q), want field %q, %v, saying %q", err, ce.Field, c.field, c.want, c.says)
			}
		})
	}
}

// FuzzNetworkWasmFilter feeds arbitrary bytes as a network Wasm filter's
// typed_config, as a control plane could send them: errors, never panics.
func FuzzNetworkWasmFilter(f *testing.F) {
	seed, err := proto.Marshal(&netwasmv3.Wasm{Config: &wasmv3.PluginConfig{Name: "seed", Vm: &wasmv3.PluginConfig_VmConfig{
		VmConfig: &wasmv3.VmConfig{Code: &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Local{
			Local: &corev3.DataSource{Specifier: &corev3.DataSource_Filename{Filename: "/m.wasm"}}}}}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		nf := &listenerv3.Filter{Name: "fuzz", ConfigType: &listenerv3.Filter_TypedConfig{
			TypedConfig: &anypb.Any{TypeUrl: netWasmTypeURL, Value: b}}}
		w, err := leadingNetworkFilter(nf)
		if err == nil && w == nil {
			t.Fatal("no filter and no error")
		}
	})
}
