// Package runtime owns wasmesh's single wazero runtime: compiled mode with
// termination checks, modules compiled once per sha256 (in memory, and on disk
// through wazero's compilation cache), instances with a per-instance memory
// limit, and a watchdog that stops a callback which overruns its deadline.
//
//	rt, err := runtime.New(ctx, runtime.Config{Logger: log, CacheDir: dir})
//	c, err := rt.Compile(ctx, wasm, sha)          // cached by digest
//	inst, err := rt.Instantiate(ctx, c, runtime.InstanceConfig{MemoryLimitPages: 512, Module: modCfg})
//	err = inst.Call(inst.Module.ExportedFunction("f"), time.Second, stack)
//
// Host modules (the proxy-wasm "env" functions, WASI) are registered by the
// caller on Wazero() before the first Instantiate. Guest modules must be
// compiled through Compile only, and api.Function values are best kept for
// the instance's life (each is prepared once for cheap loop checks).
//
// Deadlines cost almost nothing per call: the watchdog interrupts a guest
// itself instead of wazero's goroutine per call (interrupt.go), and the
// check at each guest loop header is a short native stub instead of a trip
// to Go (poll.go). Both reach into wazero v1.12.0 internals, are pinned by
// TestInterruptShimPinned, and fall back to wazero's own (slower) ways when
// their run-time layout checks fail.
package runtime
