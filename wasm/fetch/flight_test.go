package fetch

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// A waiter whose leader gave up (canceled context) runs the work itself instead of failing.
func TestFlightWaiterRetriesAfterLeaderCancel(t *testing.T) {
	var g flight
	var runs atomic.Int64
	started := make(chan struct{})
	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	fn := func(ctx context.Context) ([]byte, string, error) {
		if runs.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			return nil, "", ctx.Err()
		}
		return []byte("ok"), "d", nil
	}
	leaderErr := make(chan error, 1)
	go func() {
		_, _, err := g.do(leaderCtx, "k", fn)
		leaderErr <- err
	}()
	<-started
	waiter := make(chan error, 1)
	go func() {
		b, _, err := g.do(context.Background(), "k", fn)
		if err == nil && string(b) != "ok" {
			err = errors.New("wrong result")
		}
		waiter <- err
	}()
	time.Sleep(20 * time.Millisecond) // the waiter joins the leader's flight
	cancelLeader()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v", err)
	}
	if err := <-waiter; err != nil {
		t.Errorf("waiter: %v", err)
	}
	if runs.Load() != 2 {
		t.Errorf("runs = %d, want 2", runs.Load())
	}
}
