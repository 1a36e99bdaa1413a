package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

func TestCacheValidity(t *testing.T) {
	type step struct {
		op      string // "put", "get", "advance"
		key     string
		val     int
		advance time.Duration
		want    int // for get: the value wanted, -1 for a miss
	}
	tests := []struct {
		name  string
		cfg   Config
		steps []step
		stats Stats
	}{
		{
			name: "hit then miss after ttl",
			cfg:  Config{TTL: time.Minute},
			steps: []step{
				{op: "put", key: "a", val: 1},
				{op: "get", key: "a", want: 1},
				{op: "advance", advance: 59 * time.Second},
				{op: "get", key: "a", want: 1},
				{op: "advance", advance: 2 * time.Second},
				{op: "get", key: "a", want: -1},
			},
			stats: Stats{Hits: 2, Misses: 1, Evictions: 1, Entries: 0},
		},
		{
			name: "use count",
			cfg:  Config{MaxUses: 2},
			steps: []step{
				{op: "put", key: "a", val: 1},
				{op: "get", key: "a", want: 1},
				{op: "get", key: "a", want: 1},
				{op: "get", key: "a", want: -1},
				{op: "put", key: "a", val: 2},
				{op: "get", key: "a", want: 2},
			},
			stats: Stats{Hits: 3, Misses: 1, Evictions: 1, Entries: 1},
		},
		{
			name: "lru bound evicts least recently used",
			cfg:  Config{MaxEntries: 2},
			steps: []step{
				{op: "put", key: "a", val: 1},
				{op: "put", key: "b", val: 2},
				{op: "get", key: "a", want: 1}, // b is now the oldest
				{op: "put", key: "c", val: 3},
				{op: "get", key: "b", want: -1},
				{op: "get", key: "a", want: 1},
				{op: "get", key: "c", want: 3},
			},
			stats: Stats{Hits: 3, Misses: 1, Evictions: 1, Entries: 2},
		},
		{
			name: "put refreshes ttl and uses",
			cfg:  Config{TTL: 10 * time.Second, MaxUses: 1},
			steps: []step{
				{op: "put", key: "a", val: 1},
				{op: "advance", advance: 8 * time.Second},
				{op: "put", key: "a", val: 2},
				{op: "advance", advance: 8 * time.Second},
				{op: "get", key: "a", want: 2},
				{op: "get", key: "a", want: -1},
			},
			stats: Stats{Hits: 1, Misses: 1, Evictions: 1, Entries: 0},
		},
		{
			name:  "miss on empty",
			steps: []step{{op: "get", key: "x", want: -1}},
			stats: Stats{Misses: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1000, 0)}
			tt.cfg.Now = clk.now
			c := New[int](tt.cfg)
			for i, s := range tt.steps {
				switch s.op {
				case "put":
					c.Put([]byte(s.key), s.val)
				case "advance":
					clk.t = clk.t.Add(s.advance)
				case "get":
					v, ok := c.Get([]byte(s.key))
					got := -1
					if ok {
						got = v
					}
					if got != s.want {
						t.Fatalf("step %d: get %q = %d, want %d", i, s.key, got, s.want)
					}
				}
			}
			if got := c.Stats(); got != tt.stats {
				t.Errorf("stats = %+v, want %+v", got, tt.stats)
			}
		})
	}
}

func TestCacheDefaults(t *testing.T) {
	c := New[int](Config{})
	if c.cfg.TTL != time.Minute || c.cfg.MaxUses != 10000 || c.cfg.MaxEntries != 10000 {
		t.Fatalf("defaults = %+v, want Mixer's 1m/10000/10000", c.cfg)
	}
	for i := range 10001 {
		c.Put(fmt.Appendf(nil, "k%d", i), i)
	}
	if s := c.Stats(); s.Entries != 10000 || s.Evictions != 1 {
		t.Fatalf("after 10001 puts: %+v, want 10000 entries and 1 eviction", s)
	}
	if _, ok := c.Get([]byte("k0")); ok {
		t.Fatal("oldest entry k0 survived the bound")
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := New[int](Config{MaxEntries: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := fmt.Appendf(nil, "k%d", (i*7+g)%100)
				if v, ok := c.Get(k); ok && v != (i*7+g)%100 {
					t.Errorf("key %s holds %d", k, v)
					return
				}
				c.Put(k, (i*7+g)%100)
			}
		}()
	}
	wg.Wait()
	s := c.Stats()
	if s.Hits+s.Misses != 16000 || s.Entries > 64 {
		t.Fatalf("stats %+v: want 16000 lookups and at most 64 entries", s)
	}
}
