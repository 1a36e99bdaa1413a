package runtime

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
)

// Cheap loop checks. wazero compiles each termination check (one per loop
// header) as an indirect call through a slot of the calling function's
// execution context (wazevo executionContext.checkModuleExitCodeTrampolineAddress).
// The trampoline there leaves native code for Go, which reads the module's
// Closed flag: 25–45 ns per loop iteration on this project's machines, most
// of what a Go guest paid for deadlines.
//
// So the runtime points the slot of every function it calls at a small
// native stub (pollStub, linux/amd64 only) that returns at once while the
// watchdog's heartbeat is fresh (it looks every 256 loop headers) and
// otherwise jumps to wazero's trampoline. The watchdog renews
// the heartbeat on every tick, and when it stops a call it sets Closed and
// puts the trampoline back in that instance's slots (Instance.stop): the
// next loop header then leaves for Go and fails the call.
//
// The heartbeat matters: native code cannot be preempted by Go's scheduler,
// so guests spinning on every P would keep the watchdog from ever running.
// Once the heartbeat is older than three watchdog intervals, every guest
// takes wazero's trampoline again, which lets the scheduler preempt it: the
// watchdog gets a P, and a stop-the-world (GC) waits for a looping guest at
// most that long.
//
// The slot is read only by compiled code and written, after the function's
// creation, only here; aligned pointer-sized stores are atomic for it. Like
// interrupt.go this is pinned to wazeroVersion (interrupt_test.go) and
// checked by name and type at run time; without it calls still stop, only
// the loop checks stay expensive.

// maxPolls caps the functions patched per instance: callers that get a new
// api.Function for every call keep wazero's trampoline beyond it.
const maxPolls = 64

// pollQuantum is how many watchdog intervals the stub trusts a heartbeat.
const pollQuantum = 3

// pollOffset is where the slot lies in the execution context, per wazero's
// wazevoapi.ExecutionContextOffsetCheckModuleExitCodeTrampolineAddress;
// stubCounterOffset the word the stub counts in
// (wazevoapi.ExecutionContextOffsetStackGrowRequiredSize).
const (
	pollOffset        = 88
	stubCounterOffset = 64
)

// pollLayout is what cheapPolls needs: the function type and slot offset,
// and the runtime's stub.
type pollLayout struct {
	engine reflect.Type // *wazevo.callEngine
	offset uintptr      // of the slot in the callEngine
	stub   *pollStub
}

// layoutFor checks fn's type (once per compiled module) and returns the
// layout for every function of that type.
func layoutFor(fn api.Function, stub *pollStub) (pollLayout, error) {
	bad := func(what string) (pollLayout, error) {
		return pollLayout{}, fmt.Errorf("%w: unexpected wazero layout: %s", errNoShim, what)
	}
	ce := reflect.TypeOf(fn)
	if ce == nil || ce.Kind() != reflect.Pointer || ce.Elem().String() != "wazevo.callEngine" || ce.Elem().PkgPath() != wazeroModule+"/internal/engine/wazevo" {
		return bad(fmt.Sprintf("function is %T", fn))
	}
	ec, ok := ce.Elem().FieldByName("execCtx")
	if !ok || ec.Type.Kind() != reflect.Struct || ec.Type.String() != "wazevo.executionContext" {
		return bad("callEngine.execCtx")
	}
	slot, ok := ec.Type.FieldByName("checkModuleExitCodeTrampolineAddress")
	if !ok || slot.Offset != pollOffset || slot.Type.Kind() != reflect.Pointer || slot.Type.Size() != unsafe.Sizeof(uintptr(0)) {
		return bad("executionContext.checkModuleExitCodeTrampolineAddress")
	}
	if counter, ok := ec.Type.FieldByName("stackGrowRequiredSize"); !ok || counter.Offset != stubCounterOffset || counter.Type.Kind() != reflect.Uintptr {
		return bad("executionContext.stackGrowRequiredSize")
	}
	l := pollLayout{engine: ce, offset: ec.Offset + slot.Offset, stub: stub}
	if err := stub.setTrampoline(atomic.LoadPointer(l.pollSlot(fn))); err != nil {
		return pollLayout{}, err
	}
	return l, nil
}

// pollSlot is fn's slot, or nil if fn is not of the checked type.
func (l *pollLayout) pollSlot(fn api.Function) *unsafe.Pointer {
	if l.engine == nil || reflect.TypeOf(fn) != l.engine {
		return nil
	}
	return (*unsafe.Pointer)(unsafe.Add(reflect.ValueOf(fn).UnsafePointer(), l.offset))
}

// cheapPolls points fn's loop checks at the stub until the watchdog stops
// the instance. Cheap once done for fn: a type compare and a load.
func (i *Instance) cheapPolls(fn api.Function) {
	l := i.poll
	slot := l.pollSlot(fn)
	if slot == nil || atomic.LoadPointer(slot) == l.stub.code || len(i.polls) >= maxPolls {
		return // (polls only grows on this goroutine)
	}
	w := i.rt.wd
	w.mu.Lock() // stop restores the slots under it
	defer w.mu.Unlock()
	if i.timedOut.Load() || i.closed || len(i.polls) >= maxPolls || atomic.LoadPointer(slot) != l.stub.trampoline() {
		return
	}
	i.polls = append(i.polls, slot)
	atomic.StorePointer(slot, l.stub.code)
}

// restorePolls gives every patched function wazero's trampoline back, with
// the watchdog's mu held: when it stops the call (after setting the Closed
// flag) and when the instance is closed (a later call then fails at its
// first loop header instead of spinning unwatched).
func (i *Instance) restorePolls() {
	for _, slot := range i.polls {
		atomic.StorePointer(slot, i.poll.stub.trampoline())
	}
}
