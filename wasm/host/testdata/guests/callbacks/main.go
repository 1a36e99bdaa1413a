//go:build wasip1

// Command callbacks is an SDK filter that acts on two HTTP callbacks and
// leaves the others to the SDK's defaults: the host learns which, and calls
// only those. Each callback it acts on bumps the counter "callbacks". Its
// stream type is generic, the hardest case for the SDK's detection (the
// filters in filters/ cover plain types).
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	calls proxywasm.MetricCounter
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.calls = proxywasm.DefineCounterMetric("callbacks")
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream[int]{p: p} }

type stream[T any] struct {
	types.DefaultHttpContext
	p     *plugin
	extra T
}

func (s *stream[T]) OnHttpRequestHeaders(int, bool) types.Action {
	s.p.calls.Increment(1)
	_ = proxywasm.AddHttpRequestHeader("x-seen", "1")
	return types.ActionContinue
}

func (s *stream[T]) OnHttpResponseTrailers(int) types.Action {
	s.p.calls.Increment(1)
	return types.ActionContinue
}
