package config

import (
	"errors"
	"fmt"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	netwasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/wasm/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// NetworkWasm is the name of the network Wasm filter.
const NetworkWasm = "envoy.filters.network.wasm"

const netWasmTypeURL = "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm"

// leadingNetworkFilter translates a network filter that is not the last of
// its chain: only envoy.filters.network.wasm may run ahead of tcp_proxy.
func leadingNetworkFilter(f *listenerv3.Filter) (*WasmFilter, error) {
	if f.GetConfigDiscovery() != nil {
		return nil, unsupported("config_discovery", "network filter %q over ECDS (send envoy.filters.network.wasm inline)", f.GetName())
	}
	if f.GetTypedConfig().GetTypeUrl() != netWasmTypeURL {
		return nil, unsupported("name", "network filter %q (%s) ahead of the terminal filter; only %s may be",
			f.GetName(), f.GetTypedConfig().GetTypeUrl(), NetworkWasm)
	}
	msg, err := anypb.UnmarshalNew(f.GetTypedConfig(), unmarshalOpts)
	if err != nil {
		return nil, invalid("typed_config", "network filter %q: %v", f.GetName(), err)
	}
	w := msg.(*netwasmv3.Wasm)
	if err := onlyFields(w, "config"); err != nil {
		return nil, at("typed_config", err)
	}
	// The plugin config is the one the HTTP Wasm filter carries.
	out, err := wasmFilter(&wasmfilterv3.Wasm{Config: w.GetConfig()})
	if err != nil {
		return nil, at("typed_config", naming(f.GetName(), err))
	}
	return out, nil
}

// naming puts the filter's name in err's message, keeping its field path.
func naming(name string, err error) error {
	var fe *fieldErr
	if errors.As(err, &fe) {
		return &fieldErr{field: fe.field, err: fmt.Errorf("network filter %q: %w", name, fe.err)}
	}
	return fmt.Errorf("network filter %q: %w", name, err)
}

// checkNetworkWasmChain refuses network Wasm filters where meshproxy cannot
// run them: at the end of a chain, and ahead of the HTTP connection manager.
func checkNetworkWasmChain(fc *FilterChain, last *listenerv3.Filter) error {
	if last.GetTypedConfig().GetTypeUrl() == netWasmTypeURL {
		return invalid("name", "network filter %q ends the chain; %s must be followed by tcp_proxy", last.GetName(), NetworkWasm)
	}
	if len(fc.NetWasm) > 0 && fc.HTTP != nil {
		return unsupported("name", "%s %q ahead of http_connection_manager (only ahead of tcp_proxy)", NetworkWasm, fc.NetWasm[0].Name)
	}
	return nil
}
