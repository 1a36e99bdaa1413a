package eval

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

type instanceKey struct{}

// abortError unwinds the guest from a host function. wazero recovers it and
// returns it from the guest call, the same way its own proc_exit unwinds; it
// never reaches the caller of Eval as a panic.
type abortError struct{ msg string }

func (a abortError) Error() string { return "opa_abort: " + a.msg }

// instantiateHost registers the host functions every policy's env re-exports.
func (e *Engine) instantiateHost(ctx context.Context) error {
	i32 := api.ValueTypeI32
	b := e.rt.NewHostModuleBuilder(hostModule)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(e.opaAbort), []api.ValueType{i32}, nil).Export("opa_abort")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(e.opaPrintln), []api.ValueType{i32}, nil).Export("opa_println")
	for n := range 5 {
		params := make([]api.ValueType, n+2)
		for i := range params {
			params[i] = i32
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(builtinDispatcher(n), params, []api.ValueType{i32}).
			Export(fmt.Sprintf("opa_builtin%d", n))
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("eval: host module: %w", err)
	}
	return nil
}

func current(ctx context.Context) *instance {
	in, _ := ctx.Value(instanceKey{}).(*instance)
	return in
}

func (e *Engine) opaAbort(ctx context.Context, _ api.Module, stack []uint64) {
	msg := "unknown"
	if in := current(ctx); in != nil {
		msg, _ = in.cstring(uint32(stack[0]))
	}
	panic(abortError{msg: msg})
}

func (e *Engine) opaPrintln(ctx context.Context, _ api.Module, stack []uint64) {
	if in := current(ctx); in != nil {
		msg, _ := in.cstring(uint32(stack[0]))
		in.p.logger.Info("opa_println", "msg", msg)
	}
}

// builtinDispatcher returns opa_builtinN: (id, ctx, arg1..argN) -> value addr.
func builtinDispatcher(n int) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		in := current(ctx)
		if in == nil {
			panic(abortError{msg: "builtin called outside an evaluation"})
		}
		var args [4]uint32
		for i := range n {
			args[i] = uint32(stack[2+i])
		}
		stack[0] = uint64(in.callBuiltin(ctx, int32(stack[0]), args[:n]))
	}
}
