package host

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// hostFunc is one proxy-wasm import of module "env". fn reads its arguments
// from stack (i32 in the low 32 bits) and returns the status written back.
type hostFunc struct {
	name   string
	params []api.ValueType
	fn     func(in *instance, s []uint64) abi.Status
}

func i32s(n int) []api.ValueType {
	t := make([]api.ValueType, n)
	for i := range t {
		t[i] = api.ValueTypeI32
	}
	return t
}

// hostFuncs is every proxy-wasm v0.2.1 host function.
func hostFuncs() []hostFunc {
	var fs []hostFunc
	for _, group := range [][]hostFunc{
		logFuncs(), bufferFuncs(), headerFuncs(), streamFuncs(), httpCallFuncs(),
		grpcFuncs(), sharedDataFuncs(), queueFuncs(), metricFuncs(), propertyFuncs(), foreignFuncs(),
	} {
		fs = append(fs, group...)
	}
	return fs
}

// instantiateEnv registers module "env" with every host function. The
// calling instance is found in the call's context.
func instantiateEnv(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder("env")
	for _, f := range hostFuncs() {
		fn := f.fn
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
				in, ok := ctx.Value(instKey{}).(*instance)
				if !ok {
					stack[0] = uint64(abi.StatusInternalFailure)
					return
				}
				stack[0] = uint64(fn(in, stack))
			}), f.params, []api.ValueType{api.ValueTypeI32}).
			Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// current is the effective context's state (nil if the guest switched to an
// unknown context).
func (in *instance) current() *streamState { return in.contexts[in.effective] }
