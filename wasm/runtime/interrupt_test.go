package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// TestInterruptShimPinned fails when wazero is not the version the shim in
// interrupt.go was verified against, or when a fact it relies on no longer
// holds in wazero's source. If it fails after a wazero upgrade: re-read the
// new source, re-check every statement in interrupt.go's comment, then
// update wazeroVersion and the facts below.
func TestInterruptShimPinned(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-json", wazeroModule).Output()
	if err != nil {
		t.Fatalf("go list -m %s (the go command must be on PATH): %v", wazeroModule, err)
	}
	var m struct {
		Version string
		Dir     string
		Replace *struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m.Version != wazeroVersion || m.Replace != nil {
		t.Fatalf("go.mod has wazero %s (replace %v): interrupt.go is verified for %s only", m.Version, m.Replace, wazeroVersion)
	}
	if m.Dir == "" {
		t.Fatalf("wazero %s is not in the module cache (go mod download)", m.Version)
	}
	src := func(rel string) string {
		b, err := os.ReadFile(filepath.Join(m.Dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	facts := []struct{ file, text, why string }{
		{"internal/wasm/module_instance.go", "func (m *ModuleInstance) closeWithExitCodeWithoutClosingResource(exitCode uint32) (err error) {", "linknamed signature"},
		{"internal/wasm/module_instance.go", "func (m *ModuleInstance) FailIfClosed() (err error) {", "linknamed signature"},
		{"internal/wasm/module_instance.go", "case exitCodeFlagResourceNotClosed:\n\t\t\t// This happens when this module is closed asynchronously in CloseModuleOnCanceledOrTimeout,\n\t\t\t// and the closure of resources have been deferred here.\n\t\t\t_ = m.ensureResourcesClosed(context.Background())", "FailIfClosed frees what the interrupt left"},
		{"internal/wasm/module_instance.go", "go m.closeModuleOnCanceledOrTimeout(ctx, cancelChan)", "the goroutine the shim avoids"},
		{"internal/engine/wazevo/call_engine.go", "ensureTermination := p.parent.ensureTermination", "the flag gates only the call-time watcher"},
		{"internal/engine/wazevo/call_engine.go", "if ensureTermination {\n\t\tdone := m.CloseModuleOnCanceledOrTimeout(ctx)", "the per-call goroutine"},
		{"internal/engine/wazevo/call_engine.go", "err = c.parent.module.FailIfClosed()", "a call that returns after the interrupt still fails"},
		{"internal/engine/wazevo/call_engine.go", "case wazevoapi.ExitCodeCheckModuleExitCode:\n\t\t\t// Note: this operation must be done in Go, not native code. The reason is that\n\t\t\t// native code cannot be preempted and that means it can block forever if there are not\n\t\t\t// enough OS threads (which we don't have control over).\n\t\t\tif err := m.FailIfClosed(); err != nil {", "the compiled loop check reads Closed"},
		{"internal/engine/wazevo/frontend/lower.go", "if c.ensureTermination {\n\t\t\tcheckModuleExitCodePtr := builder.AllocateInstruction().\n\t\t\t\tAsLoad(c.execCtxPtrValue,\n\t\t\t\t\twazevoapi.ExecutionContextOffsetCheckModuleExitCodeTrampolineAddress.U32(),", "loop checks are compiled from the compile-time flag and call through the slot (poll.go)"},
		// poll.go and pollstub_linux_amd64.go:
		{"internal/engine/wazevo/wazevoapi/offsetdata.go", "ExecutionContextOffsetCheckModuleExitCodeTrampolineAddress Offset = 88", "pollOffset"},
		{"internal/engine/wazevo/frontend/frontend.go", "c.checkModuleExitCodeSig = ssa.Signature{\n\t\tID: c.memoryGrowSig.ID + 1,\n\t\t// Only takes execution context.\n\t\tParams: []ssa.Type{ssa.TypeI64},\n\t}", "the check takes only the execution context and returns nothing"},
		{"internal/engine/wazevo/backend/isa/amd64/abi_go_call.go", "// Execution context is always the first argument.\n\texecCtrPtr := raxVReg", "the trampoline finds the execution context in rax"},
		{"internal/engine/wazevo/backend/isa/amd64/abi.go", "CalleeSavedRegisters: regalloc.NewRegSet(\n\t\trdx, r12, r13, r14, r15,", "the stub keeps rdx"},
		{"internal/engine/wazevo/wazevoapi/offsetdata.go", "ExecutionContextOffsetStackGrowRequiredSize Offset = 64", "stubCounterOffset"},
		{"internal/engine/wazevo/backend/isa/amd64/abi_go_call.go", "cur = linkInstr(cur, m.allocateInstr().asMovRM(r15VReg,\n\t\tnewOperandMem(m.newAmodeImmReg(wazevoapi.ExecutionContextOffsetStackGrowRequiredSize.U32(), raxVReg)), 8))\n\t// Restore the temporary.\n\tcur = linkInstr(cur, m.allocateInstr().asPop64(r15VReg))\n\t// Call the Go function to grow the stack.\n\tcur = linkInstr(cur, m.allocateInstr().asCallIndirect(newOperandMem(m.newAmodeImmReg(\n\t\twazevoapi.ExecutionContextOffsetStackGrowCallTrampolineAddress.U32(), raxVReg)), nil))", "compiled code sets the stub's counter word right before growing the stack"},
		{"internal/engine/wazevo/backend/isa/amd64/abi.go", "CallerSavedRegisters: regalloc.NewRegSet(\n\t\trax, rcx, rbx, rsi, rdi, r8, r9, r10, r11,", "the stub may clobber rcx and rsi"},
	}
	for _, f := range facts {
		if !strings.Contains(src(f.file), f.text) {
			t.Errorf("wazero %s %s no longer has (%s):\n%s", m.Version, f.file, f.why, f.text)
		}
	}
	// Compiled amd64 code writes the stub's counter word in one place only.
	var writes int
	amd64, _ := filepath.Glob(filepath.Join(m.Dir, "internal/engine/wazevo/backend/isa/amd64/*.go"))
	for _, path := range amd64 {
		if !strings.HasSuffix(path, "_test.go") {
			writes += strings.Count(src(strings.TrimPrefix(path, m.Dir+"/")), "ExecutionContextOffsetStackGrowRequiredSize.U32()")
		}
	}
	if writes != 1 {
		t.Errorf("amd64 code uses ExecutionContextOffsetStackGrowRequiredSize %d times, want 1", writes)
	}
	// The shim clears compiledModule.ensureTermination after compilation:
	// it must have no reader but callWithStack, and no writer but the
	// compile and cache-load paths. Go code must not touch the loop-check
	// slot after making the function.
	var uses []string
	files, _ := filepath.Glob(filepath.Join(m.Dir, "internal/engine/wazevo/*.go"))
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		for line := range strings.SplitSeq(src(strings.TrimPrefix(path, m.Dir+"/")), "\n") {
			if strings.Contains(line, ".ensureTermination") || strings.Contains(line, ".checkModuleExitCodeTrampolineAddress") || strings.Contains(line, ".stackGrowRequiredSize") {
				uses = append(uses, filepath.Base(path)+": "+strings.TrimSpace(line))
			}
		}
	}
	want := []string{
		"call_engine.go: ensureTermination := p.parent.ensureTermination",
		// poll.go: Go reads the stub's counter word only when growing the
		// stack, and writes the slot once, when the function is made.
		"call_engine.go: newLen := 2*currentLen + c.execCtx.stackGrowRequiredSize + 16 // Stack might be aligned to 16 bytes, so add 16 bytes just in case.",
		"engine_cache.go: cm.ensureTermination = ensureTermination",
		"module_engine.go: ce.execCtx.checkModuleExitCodeTrampolineAddress = sharedFunctions.checkModuleExitCodeAddress",
	}
	if strings.Join(uses, "\n") != strings.Join(want, "\n") {
		t.Errorf("uses of compiledModule.ensureTermination or the loop-check slot changed:\n%s\nwant:\n%s", strings.Join(uses, "\n"), strings.Join(want, "\n"))
	}
}

const hookModule = `(module
  (import "env" "hook" (func $hook (param i32)))
  (memory (export "memory") 1)
  (func (export "spin") (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "via_host") (param i32) (call $hook (local.get 0))))`

// Host hook actions (via_host's argument).
const (
	hookSleep      = 1 // sleep past the deadline, then return to the guest
	hookNestedSpin = 2 // call the guest's spin from the host function
	hookNestedAdd  = 3 // call the guest's add from the host function
)

type instKey struct{}

// hookResult is what the hook saw of its nested call.
type hookResult struct{ err error }

// newHookRT is a runtime with the env.hook host function; contextStop
// forces the fallback (wazero's goroutine per call, stopped by context).
func newHookRT(t testing.TB, contextStop bool) (*Runtime, *Compiled) {
	t.Helper()
	rt := newRT(t, "")
	if contextStop {
		rt.shimErr = errNoShim
	}
	_, err := rt.Wazero().NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, _ api.Module, action uint32) {
			in := ctx.Value(instKey{}).(*hookInstance)
			switch action {
			case hookSleep:
				time.Sleep(100 * time.Millisecond)
			case hookNestedSpin:
				in.nested.err = in.Call(in.Module.ExportedFunction("spin"), time.Hour, make([]uint64, 1))
			case hookNestedAdd:
				st := []uint64{20, 22}
				in.nested.err = in.Call(in.Module.ExportedFunction("add"), time.Hour, st)
				if in.nested.err == nil && st[0] != 42 {
					in.nested.err = errors.New("nested add returned wrong sum")
				}
			}
		}).Export("hook").Instantiate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := rt.Compile(context.Background(), wat(t, hookModule), "")
	if err != nil {
		t.Fatal(err)
	}
	return rt, c
}

type hookInstance struct {
	*Instance
	nested hookResult
}

func newHookInstance(t testing.TB, rt *Runtime, c *Compiled) *hookInstance {
	t.Helper()
	h := &hookInstance{}
	in, err := rt.Instantiate(context.Background(), c, InstanceConfig{MemoryLimitPages: 4, Context: context.WithValue(context.Background(), instKey{}, h)})
	if err != nil {
		t.Fatal(err)
	}
	h.Instance = in
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	return h
}

// TestDeadlineStops runs each way a deadline can catch a guest, with the
// watchdog interrupting guests itself and with the context fallback.
func TestDeadlineStops(t *testing.T) {
	for _, mode := range []struct {
		name        string
		contextStop bool
	}{{"interrupt", false}, {"context", true}} {
		t.Run(mode.name, func(t *testing.T) {
			rt, c := newHookRT(t, mode.contextStop)
			call := func(in *hookInstance, fn string, arg uint64) error {
				return in.Call(in.Module.ExportedFunction(fn), 30*time.Millisecond, []uint64{arg})
			}
			t.Run("pure loop", func(t *testing.T) {
				in := newHookInstance(t, rt, c)
				if (in.cancel != nil) != mode.contextStop {
					t.Fatalf("context stop %v, instance cancel set %v", mode.contextStop, in.cancel != nil)
				}
				start := time.Now()
				if err := call(in, "spin", 0); !errors.Is(err, ErrTimeout) {
					t.Fatalf("spin: %v", err)
				}
				if took := time.Since(start); took > time.Second {
					t.Fatalf("stopped after %v", took)
				}
				if err := call(in, "add", 1); !errors.Is(err, ErrTimeout) {
					t.Fatalf("call after the stop: %v", err)
				}
			})
			t.Run("host function overruns", func(t *testing.T) {
				in := newHookInstance(t, rt, c)
				if err := call(in, "via_host", hookSleep); !errors.Is(err, ErrTimeout) {
					t.Fatalf("guest returned after its deadline: %v", err)
				}
			})
			t.Run("nested call", func(t *testing.T) {
				in := newHookInstance(t, rt, c)
				if err := call(in, "via_host", hookNestedAdd); err != nil || in.nested.err != nil {
					t.Fatalf("nested add: %v, %v", err, in.nested.err)
				}
				if err := call(in, "via_host", hookNestedSpin); !errors.Is(err, ErrTimeout) || !errors.Is(in.nested.err, ErrTimeout) {
					t.Fatalf("nested spin: outer %v, nested %v", err, in.nested.err)
				}
			})
			t.Run("in time", func(t *testing.T) {
				in := newHookInstance(t, rt, c)
				for range 20 {
					st := []uint64{100_000}
					if err := in.Call(in.Module.ExportedFunction("count"), time.Second, st); err != nil || st[0] != 100_000 {
						t.Fatalf("count: %v %v", err, st)
					}
				}
			})
		})
	}
}

// TestCallNoGoroutine: with the interrupt shim a call into the guest
// allocates nothing (wazero's watcher costs a channel, a closure and a
// goroutine per call), and a stopped instance is freed by Close.
func TestCallNoGoroutine(t *testing.T) {
	rt, c := newHookRT(t, false)
	in := newHookInstance(t, rt, c)
	if !c.interruptible || in.cancel != nil {
		t.Fatalf("interrupt shim not in use (see the runtime's warning): interruptible=%v", c.interruptible)
	}
	fn := in.Module.ExportedFunction("add")
	st := make([]uint64, 2)
	if n := testing.AllocsPerRun(200, func() {
		st[0], st[1] = 1, 2
		if err := in.Call(fn, time.Second, st); err != nil || st[0] != 3 {
			t.Fatal(err, st)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
	if err := in.Call(in.Module.ExportedFunction("spin"), time.Millisecond, make([]uint64, 1)); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	if err := in.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !in.Module.IsClosed() {
		t.Fatal("stopped instance not closed")
	}
}

// TestWatchdogScan: the watchdog leaves idle instances and calls within
// their timeout alone, times a call from the scan that first sees it, and
// stops it once its timeout has passed since.
func TestWatchdogScan(t *testing.T) {
	rt, c := newHookRT(t, false)
	rt.wd.stop() // scans are driven by hand below
	rt.wd = &watchdog{insts: map[*Instance]struct{}{}, done: make(chan struct{})}
	idle, long, short := newHookInstance(t, rt, c), newHookInstance(t, rt, c), newHookInstance(t, rt, c)
	long.call.Store(callStamp(1, time.Hour))
	short.call.Store(callStamp(1, 10*time.Millisecond))
	ms := int64(time.Millisecond)
	for _, now := range []int64{1000 * ms, 1005 * ms, 1010 * ms} { // first seen at 1000 ms
		rt.wd.scan(now)
	}
	for _, in := range []*hookInstance{idle, long, short} {
		if in.timedOut.Load() || in.Module.IsClosed() {
			t.Fatal("watchdog stopped an idle instance or a call in time")
		}
	}
	rt.wd.scan(1011 * ms)
	if !short.timedOut.Load() || !short.Module.IsClosed() || short.call.Load() != stopping {
		t.Fatal("call not stopped after its timeout")
	}
	if long.timedOut.Load() || idle.timedOut.Load() {
		t.Fatal("watchdog stopped other instances")
	}
	long.call.Store(0)
}

func TestCallStamp(t *testing.T) {
	for _, tc := range []struct {
		timeout time.Duration
		want    int64
	}{{time.Nanosecond, 1}, {time.Millisecond, 1}, {1500 * time.Microsecond, 2}, {time.Second, 1000}, {2000 * time.Hour, math.MaxUint32}} {
		s := callStamp(7, tc.timeout)
		if s <= 0 || stampTimeout(s) != tc.want*int64(time.Millisecond) || s == callStamp(8, tc.timeout) {
			t.Errorf("callStamp(7, %v) = %#x", tc.timeout, s)
		}
	}
	if callStamp(math.MaxUint32, time.Second) <= 0 {
		t.Error("stamp not positive")
	}
}

// TestDeadlinesConcurrent: instances on several goroutines, some overrunning
// their deadline and replaced, others finishing in time, under the race
// detector: each call either returns its result or ErrTimeout, and a
// replacement instance works.
func TestDeadlinesConcurrent(t *testing.T) {
	rt, c := newHookRT(t, false)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			errs <- runInstances(rt, c, g)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// runInstances makes 30 calls, every fifth one a spin that must time out,
// replacing an instance after each timeout.
func runInstances(rt *Runtime, c *Compiled, g int) error {
	newInst := func() (*Instance, error) {
		return rt.Instantiate(context.Background(), c, InstanceConfig{MemoryLimitPages: 4, Context: context.WithValue(context.Background(), instKey{}, &hookInstance{})})
	}
	in, err := newInst()
	if err != nil {
		return err
	}
	defer func() { _ = in.Close(context.Background()) }()
	for n := range 30 {
		fn, arg := "count", uint64(1000*(n+1))
		if (n+g)%5 == 0 {
			fn = "spin"
		}
		st := []uint64{arg}
		err := in.Call(in.Module.ExportedFunction(fn), 5*time.Millisecond, st)
		switch {
		case errors.Is(err, ErrTimeout):
			_ = in.Close(context.Background())
			if in, err = newInst(); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("%s: %w", fn, err)
		case fn == "spin" || st[0] != arg:
			return fmt.Errorf("%s(%d) returned %d without its deadline", fn, arg, st[0])
		}
	}
	return nil
}

// TestWazeroDeadlines: the escape hatch uses neither the interrupt shim nor
// the loop-check stub, and still stops a pure loop.
func TestWazeroDeadlines(t *testing.T) {
	rt, err := New(context.Background(), Config{WazeroDeadlines: true, WatchdogInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	if rt.shimErr == nil || rt.stub != nil {
		t.Fatalf("shim error %v, stub %v: want wazero's own deadlines", rt.shimErr, rt.stub != nil)
	}
	c, err := rt.Compile(context.Background(), wat(t, hookModule), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.Wazero().NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(context.Context, api.Module, uint32) {}).Export("hook").Instantiate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in := newHookInstance(t, rt, c)
	if in.cancel == nil {
		t.Fatal("instance without the context wazero stops it by")
	}
	start := time.Now()
	if err := in.Call(in.Module.ExportedFunction("spin"), 30*time.Millisecond, []uint64{0}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("spin: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("stopped after %v", took)
	}
}
