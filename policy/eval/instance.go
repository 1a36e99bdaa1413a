package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// instance is one instantiation of a policy: its own memory, data document
// and heap. It runs one evaluation at a time.
type instance struct {
	p        *Policy
	env, mod api.Module
	mem      api.Memory

	evalFn, mallocFn, parseFn, dumpFn api.Function

	// callCtx carries the instance to the host functions; made once, it
	// serves every evaluation that need not watch its caller's context
	// (Config.Interruptible unset).
	callCtx context.Context

	dataAddr uint32 // parsed data document
	heapPtr  uint32 // heap pointer after data: every evaluation restarts here
	stack    [7]uint64
	nowNS    int64 // time.now_ns of the running evaluation, 0 until asked
}

func (p *Policy) newInstance(ctx context.Context) (*instance, error) {
	rt := p.e.rt
	env, err := rt.InstantiateModule(ctx, p.env, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("eval: env module: %w", err)
	}
	rctx := experimental.WithImportResolver(ctx, func(name string) api.Module {
		if name == "env" {
			return env
		}
		return nil
	})
	mod, err := rt.InstantiateModule(rctx, p.mod, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		_ = env.Close(ctx)
		return nil, fmt.Errorf("%w: instantiate: %w", ErrInvalidModule, err)
	}
	in := &instance{p: p, env: env, mod: mod, mem: mod.Memory()}
	in.callCtx = context.WithValue(context.Background(), instanceKey{}, in)
	if err := in.init(ctx); err != nil {
		in.close(ctx)
		return nil, err
	}
	return in, nil
}

func (in *instance) init(ctx context.Context) error {
	if err := checkABI(in.mod); err != nil {
		return err
	}
	fns := map[string]*api.Function{
		"opa_eval": &in.evalFn, "opa_malloc": &in.mallocFn,
		"opa_json_parse": &in.parseFn, "opa_json_dump": &in.dumpFn,
	}
	for name, dst := range fns {
		if *dst = in.mod.ExportedFunction(name); *dst == nil {
			return fmt.Errorf("%w: missing export %s", ErrInvalidModule, name)
		}
	}
	if in.mem == nil {
		return fmt.Errorf("%w: no memory", ErrInvalidModule)
	}
	ctx = context.WithValue(ctx, instanceKey{}, in)
	addr, err := in.parseJSON(ctx, in.p.data)
	if err != nil {
		return fmt.Errorf("eval: data document: %w", err)
	}
	in.dataAddr = addr
	if stash := in.mod.ExportedFunction("opa_heap_blocks_stash"); stash != nil { // ABI 1.3
		if _, err := stash.Call(ctx); err != nil {
			return fmt.Errorf("eval: heap stash: %w", err)
		}
	}
	hp, err := in.call(ctx, "opa_heap_ptr_get")
	if err != nil {
		return err
	}
	in.heapPtr = hp
	return nil
}

// checkABI requires OPA Wasm ABI 1.2 or later (opa_eval).
func checkABI(mod api.Module) error {
	major, minor := mod.ExportedGlobal("opa_wasm_abi_version"), mod.ExportedGlobal("opa_wasm_abi_minor_version")
	if major == nil || minor == nil {
		return fmt.Errorf("%w: no opa_wasm_abi_version", ErrInvalidModule)
	}
	if v, m := uint32(major.Get()), uint32(minor.Get()); v != 1 || m < 2 {
		return fmt.Errorf("%w: abi %d.%d, want 1.2 or later", ErrInvalidModule, v, m)
	}
	return nil
}

func (in *instance) close(ctx context.Context) {
	_ = in.mod.Close(ctx)
	_ = in.env.Close(ctx)
}

// call invokes an exported function without arguments returning an i32.
func (in *instance) call(ctx context.Context, name string) (uint32, error) {
	f := in.mod.ExportedFunction(name)
	if f == nil {
		return 0, fmt.Errorf("%w: missing export %s", ErrInvalidModule, name)
	}
	res, err := f.Call(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", ErrEvalTrap, name, err)
	}
	return uint32(res[0]), nil
}

// evalView runs one evaluation with the opa_eval fast path: the input JSON is
// written at the heap pointer and the heap restarts right after it, so every
// evaluation reuses the same memory. The result is a view into the
// instance's memory, valid until its next call.
func (in *instance) evalView(ctx context.Context, entrypoint int32, input []byte) ([]byte, error) {
	in.nowNS = 0
	if uint64(in.heapPtr)+uint64(len(input))+8 > uint64(^uint32(0)) {
		return nil, fmt.Errorf("%w: input too large", ErrEvalTrap)
	}
	heap := (in.heapPtr + uint32(len(input)) + 7) &^ 7
	if err := in.ensure(heap); err != nil {
		return nil, err
	}
	in.mem.Write(in.heapPtr, input)
	s := in.stack[:]
	s[0], s[1], s[2] = 0, uint64(uint32(entrypoint)), uint64(in.dataAddr)
	s[3], s[4], s[5], s[6] = uint64(in.heapPtr), uint64(len(input)), uint64(heap), 0 // format 0: JSON
	callCtx := in.callCtx
	if in.p.e.cfg.Interruptible {
		callCtx = context.WithValue(ctx, instanceKey{}, in)
	}
	if err := in.evalFn.CallWithStack(callCtx, s); err != nil {
		return nil, trapError(err)
	}
	return in.cbytes(uint32(s[0]))
}

func trapError(err error) error {
	var abort abortError
	if errors.As(err, &abort) {
		return fmt.Errorf("%w: %s", ErrEvalTrap, abort.Error())
	}
	return fmt.Errorf("%w: %w", ErrEvalTrap, err)
}

// ensure grows memory so that [0, end) is addressable.
func (in *instance) ensure(end uint32) error {
	if size := in.mem.Size(); end > size {
		pages := (end - size + 0xffff) / 0x10000
		if _, ok := in.mem.Grow(pages); !ok {
			return fmt.Errorf("%w: memory limit reached", ErrEvalTrap)
		}
	}
	return nil
}

// cbytes returns the NUL-terminated bytes at addr (a view into memory).
func (in *instance) cbytes(addr uint32) ([]byte, error) {
	size := in.mem.Size()
	if addr >= size {
		return nil, fmt.Errorf("%w: string address %d out of memory", ErrEvalTrap, addr)
	}
	b, _ := in.mem.Read(addr, size-addr)
	n := bytes.IndexByte(b, 0)
	if n < 0 {
		return nil, fmt.Errorf("%w: unterminated string at %d", ErrEvalTrap, addr)
	}
	return b[:n], nil
}

func (in *instance) cstring(addr uint32) (string, error) {
	b, err := in.cbytes(addr)
	return string(b), err
}

// parseJSON copies doc into guest memory and parses it into an OPA value.
func (in *instance) parseJSON(ctx context.Context, doc []byte) (uint32, error) {
	res, err := in.mallocFn.Call(ctx, uint64(len(doc)))
	if err != nil {
		return 0, trapError(err)
	}
	addr := uint32(res[0])
	if !in.mem.Write(addr, doc) {
		return 0, fmt.Errorf("%w: malloc returned %d outside memory", ErrEvalTrap, addr)
	}
	res, err = in.parseFn.Call(ctx, uint64(addr), uint64(len(doc)))
	if err != nil {
		return 0, trapError(err)
	}
	if res[0] == 0 {
		return 0, fmt.Errorf("eval: opa_json_parse rejected the document")
	}
	return uint32(res[0]), nil
}

// dumpJSON serialises the OPA value at addr to JSON: a view into memory,
// valid until the instance's next call.
func (in *instance) dumpJSON(ctx context.Context, addr uint32) ([]byte, error) {
	res, err := in.dumpFn.Call(ctx, uint64(addr))
	if err != nil {
		return nil, trapError(err)
	}
	return in.cbytes(uint32(res[0]))
}

// valueJSON dumps the value at addr and decodes it, keeping numbers exact.
func (in *instance) valueJSON(ctx context.Context, addr uint32) (any, error) {
	b, err := in.dumpJSON(ctx, addr)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("eval: opa_json_dump: %w", err)
	}
	return v, nil
}
