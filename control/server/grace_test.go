package server

import (
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/pilot/xds/xdstest"
)

// A proxy's workload is registered while it is connected and removed a
// grace period after it goes away.
func TestWorkloadRemovedAfterGrace(t *testing.T) {
	s, _ := startServer(t)
	p, err := xdstest.Start(xdstest.Options{Address: s.XDSAddr(), Node: proxyNode(t, "web-v1", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "workload registered", func() bool { return len(s.reg.Workloads()) == 1 })
	p.Close()
	gone := time.Now()
	waitFor(t, "workload removed", func() bool { return len(s.reg.Workloads()) == 0 })
	if d := time.Since(gone); d < 80*time.Millisecond {
		t.Errorf("workload removed after %v, before the 100ms grace period", d)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 5s", what)
		}
	}
}
