package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// The interrupt shim: stopping a running guest from the watchdog without the
// goroutine wazero v1.12.0 starts for every call when compiled with
// WithCloseOnContextDone(true).
//
// That option does two things: the compiler puts a check of the module's
// Closed flag at every loop header (so a pure loop stops), and, because
// wazevo's compiledModule keeps a copy of the flag (ensureTermination),
// callWithStack starts a goroutine per call that waits on ctx.Done() and then
// sets Closed without freeing anything
// ((*wasm.ModuleInstance).closeWithExitCodeWithoutClosingResource; the
// calling goroutine frees the resources in FailIfClosed when it sees it).
//
// The shim keeps the compiled checks and drops the goroutine: after the
// first instantiation of a module it clears the compiledModule's copy (read
// by callWithStack only), and the watchdog calls
// closeWithExitCodeWithoutClosingResource itself, exactly what wazero's
// goroutine would have done. No public or experimental wazero API sets the
// flag without freeing the memory under the running guest:
// api.Module.CloseWithExitCode frees it, experimental.CloseNotifier only
// reports a close, and function listeners run on the calling goroutine at
// function boundaries, which a pure loop never reaches. Hence the linkname.
//
// poll.go goes one step further and makes the loop checks themselves cheap.
//
// It is pinned to wazeroVersion: interrupt_test.go fails if go.mod names
// another version or if the source facts above no longer hold. At run time
// the struct layout is checked by name and type through reflection; if it
// does not match, or the binary's build info names another wazero version,
// the runtime falls back to wazero's goroutine per call (slower, still safe).

// wazeroVersion is the only wazero version the shim was verified against.
const wazeroVersion = "v1.12.0"

const wazeroModule = "github.com/tetratelabs/wazero"

// errNoShim reports why the fast interrupt is not available.
var errNoShim = errors.New("runtime: wazero interrupt shim unavailable")

//go:linkname wazeroCloseWithoutResources github.com/tetratelabs/wazero/internal/wasm.(*ModuleInstance).closeWithExitCodeWithoutClosingResource
func wazeroCloseWithoutResources(m unsafe.Pointer, exitCode uint32) error

//go:linkname wazeroFailIfClosed github.com/tetratelabs/wazero/internal/wasm.(*ModuleInstance).FailIfClosed
func wazeroFailIfClosed(m unsafe.Pointer) error

// shimVersionOK reports whether the binary's build info (when it lists
// dependencies; test binaries do not) names the pinned wazero, unreplaced.
func shimVersionOK() error {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	for _, d := range bi.Deps {
		if d.Path != wazeroModule {
			continue
		}
		if d.Replace != nil || d.Version != wazeroVersion {
			return fmt.Errorf("%w: built with wazero %s (replace %v), shim verified for %s", errNoShim, d.Version, d.Replace != nil, wazeroVersion)
		}
	}
	return nil
}

// terminationFlag finds, by name and type, the ensureTermination field of
// the wazevo compiledModule behind mod: mod is *wasm.ModuleInstance, its
// Engine a *wazevo.moduleEngine whose module is mod and whose parent is the
// *wazevo.compiledModule.
func terminationFlag(mod api.Module) (*bool, error) {
	bad := func(what string) (*bool, error) {
		return nil, fmt.Errorf("%w: unexpected wazero layout: %s", errNoShim, what)
	}
	mi := reflect.ValueOf(mod)
	if !isPtrTo(mi, "wasm.ModuleInstance", wazeroModule+"/internal/wasm") || mi.IsNil() {
		return bad(fmt.Sprintf("module is %T", mod))
	}
	eng := mi.Elem().FieldByName("Engine")
	if !eng.IsValid() || eng.Kind() != reflect.Interface || eng.IsNil() {
		return bad("ModuleInstance.Engine")
	}
	me := eng.Elem()
	if !isPtrTo(me, "wazevo.moduleEngine", wazeroModule+"/internal/engine/wazevo") || me.IsNil() {
		return bad("engine is " + me.Type().String())
	}
	if back := me.Elem().FieldByName("module"); !back.IsValid() || back.Kind() != reflect.Pointer || back.Pointer() != mi.Pointer() {
		return bad("moduleEngine.module")
	}
	cm := me.Elem().FieldByName("parent")
	if !isPtrTo(cm, "wazevo.compiledModule", wazeroModule+"/internal/engine/wazevo") || cm.IsNil() {
		return bad("moduleEngine.parent")
	}
	f := cm.Elem().FieldByName("ensureTermination")
	if !f.IsValid() || f.Kind() != reflect.Bool || !f.CanAddr() {
		return bad("compiledModule.ensureTermination")
	}
	if closed := mi.Elem().FieldByName("Closed"); !closed.IsValid() || closed.Type().String() != "atomic.Uint64" {
		return bad("ModuleInstance.Closed")
	}
	return (*bool)(unsafe.Pointer(f.UnsafeAddr())), nil
}

func isPtrTo(v reflect.Value, name, pkg string) bool {
	return v.IsValid() && v.Kind() == reflect.Pointer &&
		v.Type().Elem().String() == name && v.Type().Elem().PkgPath() == pkg
}

// dropCallWatcher turns off wazero's per-call goroutine for every instance of
// mod's compiled module; the compiled termination checks stay. It must run
// before the first call into any instance of that compiled module.
func dropCallWatcher(mod api.Module) error {
	p, err := terminationFlag(mod)
	if err != nil {
		return err
	}
	if !*p {
		return fmt.Errorf("%w: module compiled without termination checks", errNoShim)
	}
	*p = false
	return nil
}

// interrupt marks mod closed with the deadline exit code, from any
// goroutine, without freeing its memory: its running call fails at the next
// loop header or when it returns, and that goroutine frees the resources.
// Only for modules dropCallWatcher succeeded on.
func interrupt(mod api.Module) {
	_ = wazeroCloseWithoutResources(modulePointer(mod), sys.ExitCodeDeadlineExceeded)
}

// releaseInterrupted frees what interrupt left to the calling goroutine when
// no call ran after it. The module must be idle (no call in progress).
func releaseInterrupted(mod api.Module) {
	_ = wazeroFailIfClosed(modulePointer(mod))
}

// modulePointer is the *wasm.ModuleInstance inside mod (checked by
// terminationFlag before any use).
func modulePointer(mod api.Module) unsafe.Pointer {
	return reflect.ValueOf(mod).UnsafePointer()
}
