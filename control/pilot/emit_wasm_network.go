package pilot

import (
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	netwasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/wasm/v3"
)

// emitNetworkWasm is a chain's envoy.filters.network.wasm filters, each
// named after its plugin and carrying inline the plugin config an HTTP
// plugin gets over ECDS.
func emitNetworkWasm(fs []WasmFilterIR) []*listenerv3.Filter {
	out := make([]*listenerv3.Filter, 0, len(fs)+1)
	for i := range fs {
		var hw wasmfilterv3.Wasm
		if err := emitWasm(&fs[i]).GetTypedConfig().UnmarshalTo(&hw); err != nil {
			continue // unreachable: emitWasm packs an http Wasm for an available module
		}
		out = append(out, &listenerv3.Filter{Name: fs[i].Name, ConfigType: &listenerv3.Filter_TypedConfig{
			TypedConfig: mustAny(&netwasmv3.Wasm{Config: hw.GetConfig()})}})
	}
	return out
}
