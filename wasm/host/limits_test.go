package host

import (
	"testing"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Guest-driven stores are bounded so one plugin cannot exhaust the host.
func TestStoreLimits(t *testing.T) {
	d := newSharedData()
	big := make([]byte, maxSharedBytes/2)
	if d.set("vm", "a", big, 0) != abi.StatusOK || d.set("vm", "a", big, 0) != abi.StatusOK {
		t.Fatal("replacing a value must not count twice")
	}
	if st := d.set("vm", "b", big, 0); st != abi.StatusInternalFailure {
		t.Fatalf("over the limit: %v", st)
	}
	if d.set("other", "b", big, 0) != abi.StatusOK {
		t.Fatal("limits are per VM")
	}

	m := newMetrics()
	for i := range maxMetrics {
		if _, st := m.define(abi.MetricCounter, string(rune('a'+i%26))+string(rune(i))); st != abi.StatusOK {
			t.Fatalf("metric %d: %v", i, st)
		}
	}
	if _, st := m.define(abi.MetricCounter, "one-too-many"); st != abi.StatusInternalFailure {
		t.Fatalf("metric over the limit: %v", st)
	}

	q := newSharedQueues()
	for i := range maxQueuesPerVM {
		if _, st := q.register("vm", string(rune(i+1)), nil); st != abi.StatusOK {
			t.Fatalf("queue %d: %v", i, st)
		}
	}
	if _, st := q.register("vm", "extra", nil); st != abi.StatusInternalFailure {
		t.Fatalf("queue over the limit: %v", st)
	}
	id, _ := q.register("vm", string(rune(1)), nil)
	for range maxQueueItems {
		if st := q.enqueue(id, []byte("x")); st != abi.StatusOK {
			t.Fatal(st)
		}
	}
	if st := q.enqueue(id, []byte("x")); st != abi.StatusInternalFailure {
		t.Fatalf("queue full: %v", st)
	}
}
