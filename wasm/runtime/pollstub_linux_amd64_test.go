package runtime

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestHeartbeat: the stub trusts the watchdog's heartbeat only after
// calibration and only for its time to live.
func TestHeartbeat(t *testing.T) {
	s, err := newPollStub()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.beat(1, int64(time.Hour))
	if atomic.LoadUint64(s.next) != 0 {
		t.Fatal("heartbeat before calibration")
	}
	time.Sleep(5 * time.Millisecond)
	ttl := 50 * time.Millisecond
	s.beat(int64(time.Since(start))+1, int64(ttl))
	now, next := rdtsc(), atomic.LoadUint64(s.next)
	if next <= now {
		t.Fatalf("fresh heartbeat already stale: next %d, now %d", next, now)
	}
	time.Sleep(2 * ttl)
	if rdtsc() <= next {
		t.Fatal("heartbeat outlived its time to live")
	}
}
