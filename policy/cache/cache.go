package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// Mixer's check-cache defaults.
const (
	DefaultTTL        = time.Minute
	DefaultMaxUses    = 10000
	DefaultMaxEntries = 10000
)

// Config sizes a Cache. Zero fields take the defaults.
type Config struct {
	TTL        time.Duration    // how long an entry is valid
	MaxUses    int              // how many hits an entry serves
	MaxEntries int              // bound on entries; the least recently used goes first
	Now        func() time.Time // clock, for tests
}

// Stats are the cache's counters.
type Stats struct {
	Hits, Misses uint64
	Evictions    uint64 // entries dropped for size, age or use count
	Entries      int
}

// Cache is a bounded LRU map whose entries expire after a TTL or a number of
// uses. It is safe for concurrent use.
type Cache[V any] struct {
	cfg    Config
	hits   atomic.Uint64
	misses atomic.Uint64

	mu        sync.Mutex
	entries   map[string]*entry[V]
	head      entry[V] // sentinel of the recency list: head.next is the newest
	evictions uint64
}

type entry[V any] struct {
	key        string
	val        V
	expires    time.Time
	usesLeft   int
	prev, next *entry[V]
}

// New returns an empty Cache.
func New[V any](cfg Config) *Cache[V] {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxUses <= 0 {
		cfg.MaxUses = DefaultMaxUses
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cache[V]{cfg: cfg, entries: make(map[string]*entry[V])}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

// Get returns the value under key if it is still valid, counting one use.
func (c *Cache[V]) Get(key []byte) (V, bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	e, ok := c.entries[string(key)]
	if ok && (now.After(e.expires) || e.usesLeft <= 0) {
		c.remove(e)
		ok = false
	}
	if !ok {
		c.mu.Unlock()
		c.misses.Add(1)
		var zero V
		return zero, false
	}
	e.usesLeft--
	v := e.val
	c.unlink(e)
	c.pushFront(e)
	c.mu.Unlock()
	c.hits.Add(1)
	return v, true
}

// Put stores val under key with a fresh TTL and use count.
func (c *Cache[V]) Put(key []byte, val V) {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[string(key)]; ok {
		e.val, e.expires, e.usesLeft = val, now.Add(c.cfg.TTL), c.cfg.MaxUses
		c.unlink(e)
		c.pushFront(e)
		return
	}
	var e *entry[V]
	for len(c.entries) >= c.cfg.MaxEntries {
		e = c.head.prev
		c.remove(e)
	}
	if e == nil {
		e = new(entry[V])
	}
	*e = entry[V]{key: string(key), val: val, expires: now.Add(c.cfg.TTL), usesLeft: c.cfg.MaxUses} // the evicted entry's storage, if any
	c.entries[e.key] = e
	c.pushFront(e)
}

// Purge drops every entry.
func (c *Cache[V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evictions += uint64(len(c.entries))
	clear(c.entries)
	c.head.next, c.head.prev = &c.head, &c.head
}

// Stats returns the counters.
func (c *Cache[V]) Stats() Stats {
	c.mu.Lock()
	n, ev := len(c.entries), c.evictions
	c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: ev, Entries: n}
}

func (c *Cache[V]) remove(e *entry[V]) {
	c.unlink(e)
	delete(c.entries, e.key)
	c.evictions++
}

func (c *Cache[V]) unlink(e *entry[V]) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *Cache[V]) pushFront(e *entry[V]) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}
