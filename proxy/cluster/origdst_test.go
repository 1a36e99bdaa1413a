package cluster

import (
	"errors"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

func TestOriginalDstHosts(t *testing.T) {
	cl := testCluster(t, &config.Cluster{Name: "pass", Type: config.ClusterOriginalDst, CleanupInterval: 30 * time.Millisecond})
	select {
	case <-cl.Warm():
	default:
		t.Fatal("an ORIGINAL_DST cluster is warm from the start")
	}
	a, err := cl.Pick(&PickContext{OriginalDst: "127.0.0.1:9"})
	if err != nil || a.Addr != "127.0.0.1:9" {
		t.Fatalf("pick: %v %v", a, err)
	}
	if b, _ := cl.Pick(&PickContext{OriginalDst: "127.0.0.1:9"}); b != a {
		t.Error("same destination got a second host")
	}
	if b, _ := cl.Pick(&PickContext{OriginalDst: "[::1]:9"}); b == nil || b.Addr != "[::1]:9" {
		t.Errorf("IPv6 destination: %v", b)
	}
	for _, bad := range []string{"", "example.com:80", "127.0.0.1"} {
		if _, err := cl.Pick(&PickContext{OriginalDst: bad}); !errors.Is(err, ErrNoHealthyHost) {
			t.Errorf("destination %q: err %v, want ErrNoHealthyHost", bad, err)
		}
	}
	if n := len(cl.Hosts()); n != 2 {
		t.Fatalf("%d hosts, want 2", n)
	}
	// Unused for a cleanup interval: dropped.
	deadline := time.Now().Add(2 * time.Second)
	for len(cl.Hosts()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("hosts not cleaned up: %d left", len(cl.Hosts()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
