package cluster

import (
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// hostSet is an immutable view of a cluster's hosts grouped for balancing.
type hostSet struct {
	all        []*Host
	priorities [][]*localityGroup // by priority, localities in order
	flat       [][]*Host          // by priority, all hosts
	weighted   bool               // locality weights in use
	ring       []ringEntry        // ring hash over all hosts
}

type localityGroup struct {
	weight uint32
	hosts  []*Host
}

type ringEntry struct {
	hash uint64
	host *Host
}

func buildHostSet(e *config.Endpoints, lb config.LBPolicy, ringMin uint64) *hostSet {
	hs := &hostSet{}
	if e == nil {
		return hs
	}
	byPrio := map[uint32][]*localityGroup{}
	var prios []uint32
	for i := range e.Localities {
		loc := &e.Localities[i]
		g := &localityGroup{weight: loc.Weight}
		if loc.Weight > 0 {
			hs.weighted = true
		}
		for _, h := range loc.Hosts {
			host := newHost(h, loc)
			g.hosts = append(g.hosts, host)
			hs.all = append(hs.all, host)
		}
		if _, ok := byPrio[loc.Priority]; !ok {
			prios = append(prios, loc.Priority)
		}
		byPrio[loc.Priority] = append(byPrio[loc.Priority], g)
	}
	sort.Slice(prios, func(i, j int) bool { return prios[i] < prios[j] })
	for _, p := range prios {
		hs.priorities = append(hs.priorities, byPrio[p])
		var flat []*Host
		for _, g := range byPrio[p] {
			flat = append(flat, g.hosts...)
		}
		hs.flat = append(hs.flat, flat)
	}
	if lb == config.LBRingHash && len(hs.all) > 0 {
		hs.ring = buildRing(hs.all, ringMin)
	}
	return hs
}

// hash64 is FNV-1a followed by murmur3's 64-bit finalizer, so that keys that
// differ in one character still land far apart on the ring.
func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// buildRing places each host on the ring proportionally to its weight.
func buildRing(hosts []*Host, minSize uint64) []ringEntry {
	var total uint64
	for _, h := range hosts {
		total += uint64(h.Weight)
	}
	if minSize == 0 {
		minSize = 1024
	}
	perWeight := (minSize + total - 1) / total
	ring := make([]ringEntry, 0, perWeight*total)
	for _, h := range hosts {
		n := perWeight * uint64(h.Weight)
		for i := uint64(0); i < n; i++ {
			ring = append(ring, ringEntry{hash: hash64(h.Addr + "_" + itoa(i)), host: h})
		}
	}
	sort.Slice(ring, func(i, j int) bool { return ring[i].hash < ring[j].hash })
	return ring
}

func itoa(i uint64) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}

// PickContext carries per-request load balancing input.
type PickContext struct {
	Hash    uint64
	HasHash bool
	Exclude []*Host // hosts already tried (previous_hosts retry predicate)
	// OriginalDst is the IP:port destination for ORIGINAL_DST clusters: the
	// downstream connection's original destination or the configured header.
	OriginalDst string
}

func excluded(h *Host, ex []*Host) bool {
	for _, e := range ex {
		if e == h {
			return true
		}
	}
	return false
}

type balancer struct {
	policy config.LBPolicy
	pick2  int
	rr     atomic.Uint64
	locRR  atomic.Uint64
}

// pick chooses a host from hs, or nil if there is none.
func (b *balancer) pick(hs *hostSet, pc *PickContext) *Host {
	if len(hs.all) == 0 {
		return nil
	}
	now := time.Now()
	if b.policy == config.LBRingHash && pc.HasHash {
		return b.pickRing(hs, pc, now)
	}
	candidates := b.candidates(hs, pc, now)
	if len(candidates) == 0 {
		return nil
	}
	switch b.policy {
	case config.LBRandom, config.LBRingHash:
		return candidates[rand.IntN(len(candidates))]
	case config.LBLeastRequest:
		best := candidates[rand.IntN(len(candidates))]
		for i := 1; i < b.pick2; i++ {
			c := candidates[rand.IntN(len(candidates))]
			if c.Active() < best.Active() {
				best = c
			}
		}
		return best
	default:
		return weightedRR(candidates, b.rr.Add(1))
	}
}

// candidates returns the healthy hosts of the first priority with any,
// restricted to one locality when locality weights are used. If fewer than
// half the hosts are healthy, Envoy's panic mode routes to all of them.
func (b *balancer) candidates(hs *hostSet, pc *PickContext, now time.Time) []*Host {
	if !hs.weighted && len(pc.Exclude) == 0 && len(hs.flat) > 0 && allHealthy(hs.flat[0], now) {
		return hs.flat[0] // the common case, without allocation
	}
	for _, locs := range hs.priorities {
		var healthy, total int
		groups := make([]*localityGroup, 0, len(locs))
		for _, g := range locs {
			hg := &localityGroup{weight: g.weight}
			for _, h := range g.hosts {
				total++
				if h.Healthy(now) && !excluded(h, pc.Exclude) {
					hg.hosts = append(hg.hosts, h)
					healthy++
				}
			}
			if len(hg.hosts) > 0 {
				groups = append(groups, hg)
			}
		}
		if healthy == 0 {
			continue
		}
		if healthy*100 < total*50 && len(hs.priorities) == 1 {
			return panicHosts(locs, pc)
		}
		if hs.weighted {
			return pickLocality(groups, b.locRR.Add(1)).hosts
		}
		out := make([]*Host, 0, healthy)
		for _, g := range groups {
			out = append(out, g.hosts...)
		}
		return out
	}
	return panicHosts(hs.priorities[0], pc)
}

func allHealthy(hosts []*Host, now time.Time) bool {
	for _, h := range hosts {
		if !h.Healthy(now) {
			return false
		}
	}
	return len(hosts) > 0
}

func panicHosts(locs []*localityGroup, pc *PickContext) []*Host {
	var out []*Host
	for _, g := range locs {
		for _, h := range g.hosts {
			if !excluded(h, pc.Exclude) {
				out = append(out, h)
			}
		}
	}
	return out
}

// pickLocality picks a locality by weight scaled by its healthy host count.
func pickLocality(groups []*localityGroup, n uint64) *localityGroup {
	var total uint64
	for _, g := range groups {
		total += uint64(g.weight) * uint64(len(g.hosts))
	}
	if total == 0 {
		return groups[int(n%uint64(len(groups)))]
	}
	x := rand.Uint64N(total)
	for _, g := range groups {
		w := uint64(g.weight) * uint64(len(g.hosts))
		if x < w {
			return g
		}
		x -= w
	}
	return groups[len(groups)-1]
}

func weightedRR(hosts []*Host, n uint64) *Host {
	var total uint64
	equal := true
	for _, h := range hosts {
		total += uint64(h.Weight)
		if h.Weight != hosts[0].Weight {
			equal = false
		}
	}
	if equal {
		return hosts[int(n%uint64(len(hosts)))]
	}
	x := n % total
	for _, h := range hosts {
		if x < uint64(h.Weight) {
			return h
		}
		x -= uint64(h.Weight)
	}
	return hosts[len(hosts)-1]
}

func (b *balancer) pickRing(hs *hostSet, pc *PickContext, now time.Time) *Host {
	ring := hs.ring
	i := sort.Search(len(ring), func(i int) bool { return ring[i].hash >= pc.Hash })
	for n := 0; n < len(ring); n++ {
		e := ring[(i+n)%len(ring)]
		if e.host.Healthy(now) && !excluded(e.host, pc.Exclude) {
			return e.host
		}
	}
	return ring[i%len(ring)].host
}

// HashKey hashes a load balancing key the way the ring is built.
func HashKey(s string) uint64 { return hash64(s) }
