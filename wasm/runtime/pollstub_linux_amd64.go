//go:build linux && amd64

package runtime

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// pollStub is the native loop check: one read+exec code page followed by
// one data page holding the heartbeat's deadline (TSC) at 0 and wazero's
// trampoline at 8. Its pages are never unmapped: a slot may point at it as
// long as a function of its runtime exists.
type pollStub struct {
	mem  []byte
	code unsafe.Pointer
	next *uint64 // heartbeat deadline, TSC; 0 = always the trampoline
	tr   *unsafe.Pointer
	// The watchdog's calibration (its goroutine only): the first beat.
	tsc0  uint64
	mono0 int64
}

// stubCode, with the data page 4096 bytes after the code's start. rax is
// the function's execution context; its stackGrowRequiredSize word (+64)
// serves as an iteration counter between heartbeat checks: compiled code
// writes it right before calling the stack-grow trampoline and Go reads it
// only there, so the counter never reaches either.
//
//	dec qword [rax+64]
//	jle check
//	ret                    ; the common case: a load, a store, two jumps
//	check:
//	mov qword [rax+64], stubEvery
//	mov rcx, rax           ; kept for the trampoline
//	mov rsi, rdx           ; rdx is callee-saved in wazevo's ABI
//	rdtsc
//	shl rdx, 32
//	or  rax, rdx
//	cmp rax, [rip+next]
//	mov rdx, rsi
//	mov rax, rcx
//	jae slow               ; heartbeat stale (or TSC past it)
//	ret
//	slow:
//	mov qword [rax+64], 1  ; check again at the next loop header
//	jmp [rip+trampoline]
//
// It clobbers only rcx, rsi and flags, all caller-saved at the call site.
var stubCode = []byte{
	0x48, 0xff, 0x48, 0x40,
	0x7e, 0x01,
	0xc3,
	0x48, 0xc7, 0x40, 0x40, 0, 0, 0, 0, // imm32 stubEvery at 11
	0x48, 0x89, 0xc1,
	0x48, 0x89, 0xd6,
	0x0f, 0x31,
	0x48, 0xc1, 0xe2, 0x20,
	0x48, 0x09, 0xd0,
	0x48, 0x3b, 0x05, 0, 0, 0, 0, // disp32 at 33, next instruction at 37
	0x48, 0x89, 0xf2,
	0x48, 0x89, 0xc8,
	0x73, 0x01,
	0xc3,
	0x48, 0xc7, 0x40, 0x40, 0x01, 0, 0, 0,
	0xff, 0x25, 0, 0, 0, 0, // disp32 at 56, next instruction at 60
}

// stubEvery is how many loop headers pass between heartbeat checks.
const stubEvery = 256

const pageSize = 4096

// prctl(PR_GET_TSC) values: whether rdtsc is allowed in user mode.
const (
	prGetTSC    = 25
	prTSCEnable = 1
)

func newPollStub() (*pollStub, error) {
	var tsc int32
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetTSC, uintptr(unsafe.Pointer(&tsc)), 0); errno != 0 || tsc != prTSCEnable {
		return nil, fmt.Errorf("%w: rdtsc not allowed (prctl PR_GET_TSC %d, %v)", errNoShim, tsc, errno)
	}
	if syscall.Getpagesize() != pageSize {
		return nil, fmt.Errorf("%w: page size %d", errNoShim, syscall.Getpagesize())
	}
	mem, err := syscall.Mmap(-1, 0, 2*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("runtime: map the loop-check stub: %w", err)
	}
	copy(mem, stubCode)
	binary.LittleEndian.PutUint32(mem[11:], stubEvery)
	binary.LittleEndian.PutUint32(mem[33:], uint32(pageSize-37))
	binary.LittleEndian.PutUint32(mem[56:], uint32(pageSize+8-60))
	if err := syscall.Mprotect(mem[:pageSize], syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		_ = syscall.Munmap(mem)
		return nil, fmt.Errorf("runtime: protect the loop-check stub: %w", err)
	}
	return &pollStub{
		mem:  mem,
		code: unsafe.Pointer(&mem[0]),
		next: (*uint64)(unsafe.Pointer(&mem[pageSize])),
		tr:   (*unsafe.Pointer)(unsafe.Pointer(&mem[pageSize+8])),
	}, nil
}

// setTrampoline records wazero's trampoline (the same for every function of
// a runtime); a different one later is refused.
func (s *pollStub) setTrampoline(t unsafe.Pointer) error {
	if t == nil || (!atomic.CompareAndSwapPointer(s.tr, nil, t) && atomic.LoadPointer(s.tr) != t) {
		return fmt.Errorf("%w: unexpected loop-check trampoline %p", errNoShim, t)
	}
	return nil
}

// trampoline is wazero's trampoline (nil before setTrampoline).
func (s *pollStub) trampoline() unsafe.Pointer { return atomic.LoadPointer(s.tr) }

// beat renews the heartbeat for ttl ns; mono is the watchdog's monotonic
// clock (ns). The TSC rate is calibrated from the first beat; an implausible
// one (TSC not monotonic or not near 0.05–50 ticks per ns) leaves the stub
// on the trampoline.
func (s *pollStub) beat(mono, ttl int64) {
	t := rdtsc()
	if s.mono0 == 0 {
		s.tsc0, s.mono0 = t, mono
		return
	}
	var next uint64
	if dt, dm := float64(t-s.tsc0), float64(mono-s.mono0); t > s.tsc0 && dm > 0 {
		if rate := dt / dm; rate > 0.05 && rate < 50 {
			next = t + uint64(rate*float64(ttl))
		}
	}
	atomic.StoreUint64(s.next, next)
}

// rdtsc reads the time-stamp counter (tsc_amd64.s).
func rdtsc() uint64
