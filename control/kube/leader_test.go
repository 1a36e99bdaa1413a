package kube

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/kube/kubetest"
)

// replica runs one elector and records when it leads.
type replica struct {
	name    string
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	leading bool
	led     chan struct{}
}

func startReplica(t *testing.T, c *kubetest.Cluster, ns, name string, release bool) *replica {
	r := &replica{name: name, done: make(chan struct{}), led: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		err := Elect(ctx, Election{
			Client: c.Client, Namespace: ns, Name: "meshd", Identity: name,
			LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 250 * time.Millisecond,
			Release: release, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		}, func(ctx context.Context) {
			r.set(true)
			<-ctx.Done()
			r.set(false)
		})
		if err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) set(v bool) {
	r.mu.Lock()
	r.leading = v
	r.mu.Unlock()
	if v {
		select {
		case r.led <- struct{}{}:
		default:
		}
	}
}

func (r *replica) isLeading() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.leading
}

func (r *replica) stop() {
	r.cancel()
	<-r.done
}

func awaitLeader(t *testing.T, within time.Duration, rs ...*replica) *replica {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, r := range rs {
			if r.isLeading() {
				return r
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no leader among %d replicas within %s", len(rs), within)
	return nil
}

func TestLeaderElectionTakeover(t *testing.T) {
	c := kubetest.Get(t)
	for _, release := range []bool{false, true} {
		ns := c.Namespace(t, "lease", nil)
		a := startReplica(t, c, ns, "meshd-a", release)
		b := startReplica(t, c, ns, "meshd-b", release)
		leader := awaitLeader(t, 30*time.Second, a, b)
		other := a
		if leader == a {
			other = b
		}
		time.Sleep(time.Second)
		if other.isLeading() {
			t.Fatal("both replicas lead")
		}
		killed := time.Now()
		leader.stop() // without Release, a crash: the lease is not given up
		select {
		case <-other.led:
		case <-time.After(30 * time.Second):
			t.Fatalf("release=%v: %s did not take over", release, other.name)
		}
		t.Logf("release=%v: %s took over %s after the leader stopped", release, other.name, time.Since(killed).Round(time.Millisecond))
		if !release && time.Since(killed) < time.Second {
			t.Fatalf("took over before the lease could expire")
		}
	}
}

func TestElectRefusesIncompleteConfig(t *testing.T) {
	if err := Elect(context.Background(), Election{Name: "x"}, func(context.Context) {}); err == nil {
		t.Fatal("accepted an election without client and identity")
	}
}
