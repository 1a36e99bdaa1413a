package runtime

import (
	"context"
	"errors"
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"
)

func needStub(t *testing.T) {
	t.Helper()
	if goruntime.GOOS != "linux" || goruntime.GOARCH != "amd64" {
		t.Skipf("the loop-check stub is built for linux/amd64 only; %s/%s keeps wazero's trampoline (optional)", goruntime.GOOS, goruntime.GOARCH)
	}
}

// TestCheapPolls: a function called through Instance.Call has its loop
// checks pointed at the stub; the watchdog's stop puts wazero's trampoline
// back in every patched function.
func TestCheapPolls(t *testing.T) {
	needStub(t)
	rt, c := newHookRT(t, false)
	in := newHookInstance(t, rt, c)
	if in.poll == nil || rt.stub == nil {
		t.Fatalf("cheap loop checks not in use (see the runtime's warning): stub error %v", rt.stubErr)
	}
	count, spin := in.Module.ExportedFunction("count"), in.Module.ExportedFunction("spin")
	st := []uint64{100_000}
	if err := in.Call(count, time.Second, st); err != nil || st[0] != 100_000 {
		t.Fatalf("count: %v %v", err, st)
	}
	countSlot, spinSlot := in.poll.pollSlot(count), in.poll.pollSlot(spin)
	if atomic.LoadPointer(countSlot) != rt.stub.code {
		t.Fatal("count's loop checks not patched")
	}
	if err := in.Call(spin, 20*time.Millisecond, st); !errors.Is(err, ErrTimeout) {
		t.Fatalf("spin: %v", err)
	}
	tr := rt.stub.trampoline()
	if tr == nil || atomic.LoadPointer(countSlot) != tr || atomic.LoadPointer(spinSlot) != tr {
		t.Fatal("trampoline not restored after the stop")
	}
}

// TestSpinnersOnEveryP: more spinning guests than Ps (native code cannot be
// preempted) are all stopped: the stale heartbeat sends them through
// wazero's trampoline, so the watchdog gets to run.
func TestSpinnersOnEveryP(t *testing.T) {
	rt, c := newHookRT(t, false)
	n := 2*goruntime.GOMAXPROCS(0) + 1
	errs := make(chan error, n)
	for range n {
		go func() {
			in, err := rt.Instantiate(context.Background(), c, InstanceConfig{MemoryLimitPages: 4, Context: context.WithValue(context.Background(), instKey{}, &hookInstance{})})
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = in.Close(context.Background()) }()
			errs <- in.Call(in.Module.ExportedFunction("spin"), 50*time.Millisecond, make([]uint64, 1))
		}()
	}
	timeout := time.After(20 * time.Second)
	for range n {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrTimeout) {
				t.Errorf("spin: %v", err)
			}
		case <-timeout:
			t.Fatal("spinning guests not stopped")
		}
	}
}

// BenchmarkLoop: a guest loop of 1000 iterations, each with a termination
// check: without checks (NoDeadlines), through the stub, and through
// wazero's trampoline (what every check cost before the stub).
func BenchmarkLoop(b *testing.B) {
	for _, mode := range []string{"no-deadlines", "deadlines", "deadlines-trampoline"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			rt, err := New(ctx, Config{NoDeadlines: mode == "no-deadlines"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = rt.Close(ctx) })
			c, err := rt.Compile(ctx, wat(b, testModule), "")
			if err != nil {
				b.Fatal(err)
			}
			in, err := rt.Instantiate(ctx, c, InstanceConfig{})
			if err != nil {
				b.Fatal(err)
			}
			if mode == "deadlines-trampoline" {
				in.poll = nil
			}
			fn := in.Module.ExportedFunction("count")
			st := make([]uint64, 1)
			for b.Loop() {
				st[0] = 1000
				if err := in.Call(fn, time.Second, st); err != nil || st[0] != 1000 {
					b.Fatal(err, st)
				}
			}
		})
	}
}
