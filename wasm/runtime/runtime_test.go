package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func wat(t testing.TB, src string) []byte {
	t.Helper()
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Fatalf("wat2wasm not found: install Debian package wabt (apt-get install -y wabt): %v", err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("wat2wasm", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const testModule = `(module
  (memory (export "memory") 1)
  (func (export "spin") (loop $l (br $l)))
  (func (export "trap") unreachable)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))`

func newRT(t testing.TB, dir string) *Runtime {
	t.Helper()
	rt, err := New(context.Background(), Config{CacheDir: dir, WatchdogInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func TestCompileOncePerDigest(t *testing.T) {
	rt := newRT(t, "")
	mod := wat(t, testModule)
	sum := sha256.Sum256(mod)
	c1, err := rt.Compile(context.Background(), mod, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	c2, err := rt.Compile(context.Background(), append([]byte(nil), mod...), "")
	if err != nil || c1 != c2 {
		t.Fatalf("second compile: %v, same=%v", err, c1 == c2)
	}
	if _, err := rt.Compile(context.Background(), mod, "00"); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("digest mismatch: %v", err)
	}
	if _, err := rt.Compile(context.Background(), []byte("junk"), ""); err == nil {
		t.Fatal("junk compiled")
	}
}

func TestDiskCache(t *testing.T) {
	dir := t.TempDir()
	mod := wat(t, testModule)
	if _, err := newRT(t, dir).Compile(context.Background(), mod, ""); err != nil {
		t.Fatal(err)
	}
	var files int
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("nothing written to the compilation cache")
	}
	if _, err := newRT(t, dir).Compile(context.Background(), mod, ""); err != nil {
		t.Fatal(err)
	}
}

func instance(t *testing.T, rt *Runtime, pages uint32) *Instance {
	t.Helper()
	c, err := rt.Compile(context.Background(), wat(t, testModule), "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := rt.Instantiate(context.Background(), c, InstanceConfig{MemoryLimitPages: pages})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	return in
}

func TestCallAndDeadline(t *testing.T) {
	rt := newRT(t, "")
	in := instance(t, rt, 4)
	st := []uint64{2, 3}
	if err := in.Call(in.Module.ExportedFunction("add"), time.Second, st); err != nil || st[0] != 5 {
		t.Fatalf("add: %v %v", err, st)
	}
	start := time.Now()
	err := in.Call(in.Module.ExportedFunction("spin"), 50*time.Millisecond, make([]uint64, 1))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("spin: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("deadline took %v", took)
	}
	in2 := instance(t, rt, 4)
	if err := in2.Call(in2.Module.ExportedFunction("trap"), time.Second, make([]uint64, 1)); !errors.Is(err, ErrTrap) || errors.Is(err, ErrTimeout) {
		t.Fatalf("trap: %v", err)
	}
	if err := in2.Call(nil, time.Second, nil); !errors.Is(err, ErrTrap) {
		t.Fatalf("nil function: %v", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	rt := newRT(t, "")
	in := instance(t, rt, 4)
	grow := in.Module.ExportedFunction("grow")
	st := []uint64{3}
	if err := in.Call(grow, time.Second, st); err != nil || int32(st[0]) != 1 {
		t.Fatalf("grow to the limit: %v %d", err, int32(st[0]))
	}
	st = []uint64{1}
	if err := in.Call(grow, time.Second, st); err != nil || int32(st[0]) != -1 {
		t.Fatalf("grow past the limit: %v %d", err, int32(st[0]))
	}
	if in.Module.Memory().Size() != 4*65536 {
		t.Fatalf("memory %d", in.Module.Memory().Size())
	}
	c, err := rt.Compile(context.Background(), wat(t, `(module (memory (export "memory") 8))`), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Instantiate(context.Background(), c, InstanceConfig{MemoryLimitPages: 4}); !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("initial memory above limit: %v", err)
	}
}

// BenchmarkCallNoTermination is the floor: a runtime built with NoDeadlines
// (no termination checks compiled in, no deadline). Compare BenchmarkCall.
func BenchmarkCallNoTermination(b *testing.B) {
	benchCall(b, true)
}

// BenchmarkCall is an empty guest call with termination checks and a
// deadline, as the host runs it.
func BenchmarkCall(b *testing.B) {
	benchCall(b, false)
}

func benchCall(b *testing.B, noDeadlines bool) {
	ctx := context.Background()
	rt, err := New(ctx, Config{NoDeadlines: noDeadlines})
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
	fn := in.Module.ExportedFunction("add")
	st := make([]uint64, 2)
	b.ReportAllocs()
	for b.Loop() {
		st[0], st[1] = 1, 2
		if err := in.Call(fn, time.Second, st); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNoDeadlines: a runtime built for trusted guests calls and traps as
// usual, keeps its compiled code apart in the disk cache, and does not stop
// a call at its deadline (a bounded loop overruns a 1ns deadline and still
// completes).
func TestNoDeadlines(t *testing.T) {
	dir := t.TempDir()
	rt, err := New(context.Background(), Config{CacheDir: dir, NoDeadlines: true, WatchdogInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	c, err := rt.Compile(context.Background(), wat(t, `(module
  (memory (export "memory") 1)
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "trap") unreachable))`), "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := rt.Instantiate(context.Background(), c, InstanceConfig{MemoryLimitPages: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(context.Background()) })
	st := []uint64{50_000_000}
	if err := in.Call(in.Module.ExportedFunction("count"), time.Nanosecond, st); err != nil || st[0] != 50_000_000 {
		t.Fatalf("count: %v %v", err, st)
	}
	if err := in.Call(in.Module.ExportedFunction("trap"), time.Second, make([]uint64, 1)); !errors.Is(err, ErrTrap) {
		t.Fatalf("trap: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "no-deadlines")); err != nil {
		t.Errorf("compiled code not kept apart: %v", err)
	}
}
