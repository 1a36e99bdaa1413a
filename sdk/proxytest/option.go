//go:build !wasip1

package proxytest

import (
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// EmulatorOption configures a HostEmulator.
type EmulatorOption struct {
	vmContext           types.VMContext
	pluginConfiguration []byte
	vmConfiguration     []byte
	properties          map[string][]byte
	logLevel            abi.LogLevel
}

// NewEmulatorOption returns an empty option set.
func NewEmulatorOption() *EmulatorOption {
	return &EmulatorOption{properties: map[string][]byte{}}
}

// WithVMContext sets the filter's VM context.
func (o *EmulatorOption) WithVMContext(ctx types.VMContext) *EmulatorOption {
	o.vmContext = ctx
	return o
}

// WithPluginConfiguration sets the plugin configuration buffer.
func (o *EmulatorOption) WithPluginConfiguration(data []byte) *EmulatorOption {
	o.pluginConfiguration = data
	return o
}

// WithVMConfiguration sets the VM configuration buffer.
func (o *EmulatorOption) WithVMConfiguration(data []byte) *EmulatorOption {
	o.vmConfiguration = data
	return o
}

// WithProperty sets the property at path.
func (o *EmulatorOption) WithProperty(path []string, value []byte) *EmulatorOption {
	o.properties[propertyKey(path)] = value
	return o
}

// WithLogLevel sets the level proxy_get_log_level reports (default trace).
func (o *EmulatorOption) WithLogLevel(l abi.LogLevel) *EmulatorOption {
	o.logLevel = l
	return o
}

func propertyKey(path []string) string { return strings.Join(path, "\x00") }
