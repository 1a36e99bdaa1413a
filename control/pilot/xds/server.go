package xds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/control/pilot"
)

// emptyVersion is the version of a type with no resources.
const emptyVersion = "empty"

// Hooks tell the runner about proxies coming and going.
type Hooks struct {
	// Connected is called when a proxy's first stream opens.
	Connected func(pilot.Node)
	// Disconnected is called when a proxy's last stream closes.
	Disconnected func(pilot.Node)
}

// Server is the ADS server state: cache, connected proxies, push status.
type Server struct {
	log   *slog.Logger
	cache cachev3.SnapshotCache
	hooks Hooks
	index atomic.Pointer[indexGen]
	gen   atomic.Uint64

	mu      sync.Mutex
	streams map[streamKey]string // stream → node id
	proxies map[string]*proxyState

	pushes, skipped, failures atomic.Int64
}

// indexGen is an index with its generation: a proxy never goes back to
// an older one.
type indexGen struct {
	idx *pilot.Index
	gen uint64
}

type proxyState struct {
	// pushMu serialises the updates of one proxy; applied is the
	// generation of the index its snapshot came from.
	pushMu  sync.Mutex
	applied uint64

	node      pilot.Node
	connected time.Time
	streams   int
	delta     bool
	versions  map[string]string // type URL → version in the snapshot
	types     map[string]*TypeStatus
	nonces    map[string]string // nonce → version sent with it
	ir        *pilot.IR
}

var _ serverv3.Callbacks = (*Server)(nil)

// streamKey names a stream: SotW and delta streams are numbered separately.
type streamKey struct {
	delta bool
	id    int64
}

// New returns a Server; set an index with SetIndex before proxies connect.
func New(log *slog.Logger, hooks Hooks) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{log: log, hooks: hooks, streams: map[streamKey]string{}, proxies: map[string]*proxyState{}}
	s.cache = cachev3.NewSnapshotCache(true, cachev3.IDHash{}, nil)
	return s
}

// Cache is the snapshot cache the gRPC server serves from.
func (s *Server) Cache() cachev3.Cache { return s.cache }

// GRPC returns go-control-plane's xDS server over this Server's cache and
// callbacks.
func (s *Server) GRPC(ctx context.Context) serverv3.Server {
	return serverv3.NewServer(ctx, s.cache, s)
}

// PushStats counts what a Push did.
type PushStats struct {
	Proxies int // proxies considered
	Pushed  int // proxies whose snapshot changed
	Failed  int // proxies whose resources failed validation (old config kept)
}

// Push sets idx as the current index and recomputes every connected
// proxy; only proxies whose resources changed get a new snapshot, and only
// the changed types get a new version. Proxies of the same shape (same
// namespace, labels, ports, addresses: replicas) share one translation.
func (s *Server) Push(idx *pilot.Index) PushStats {
	ig := s.setIndex(idx)
	s.mu.Lock()
	ids := make([]string, 0, len(s.proxies))
	for id := range s.proxies {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	shapes := &shapeCache{m: map[string]*shape{}}
	var st PushStats
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				pushed, err := s.update(id, ig, shapes)
				mu.Lock()
				st.Proxies++
				if pushed {
					st.Pushed++
				}
				if err != nil {
					st.Failed++
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return st
}

// generated is the translation of one proxy shape.
type generated struct {
	ir       *pilot.IR
	snap     cachev3.Snapshot
	versions map[string]string
	err      error
}

// shape is a generated translation computed once per push.
type shape struct {
	once sync.Once
	g    *generated
}

// shapeCache shares translations between proxies of the same shape
// during one push.
type shapeCache struct {
	mu sync.Mutex
	m  map[string]*shape
}

func (c *shapeCache) get(key string) *shape {
	c.mu.Lock()
	defer c.mu.Unlock()
	sh := c.m[key]
	if sh == nil {
		sh = &shape{}
		c.m[key] = sh
	}
	return sh
}

// shapeKey is what translation depends on besides the index: the node
// without its id, name and addresses (and workload, for sidecars). A
// translation that uses the address is keyed with it too (DependsOnIP).
func shapeKey(n pilot.Node) string {
	n.ID, n.Name, n.IPs = "", "", nil
	if n.Type == pilot.SidecarProxy {
		n.Workload = ""
	}
	b, _ := json.Marshal(n)
	return string(b)
}

func generate(idx *pilot.Index, n pilot.Node) *generated {
	g := &generated{}
	ir, res, err := pilot.Generate(idx, n)
	if err != nil {
		g.err = err
		return g
	}
	g.ir = ir
	byType := res.ByType()
	g.versions = make(map[string]string, len(byType))
	for t, items := range byType {
		g.versions[t] = version(items)
		g.snap.Resources[cachev3.GetResponseType(t)] = cachev3.NewResources(g.versions[t], items)
	}
	// the per-resource hashes delta xDS needs, computed once per shape;
	// the snapshot is read-only from here on
	if err := g.snap.ConstructVersionMap(); err != nil {
		g.err = fmt.Errorf("xds: version map: %w", err)
	}
	return g
}

// SetIndex sets the index used for proxies that connect later without
// pushing to the connected ones.
func (s *Server) SetIndex(idx *pilot.Index) { s.setIndex(idx) }

func (s *Server) setIndex(idx *pilot.Index) *indexGen {
	ig := &indexGen{idx: idx, gen: s.gen.Add(1)}
	s.index.Store(ig)
	return ig
}

// Stats returns totals since start: snapshots pushed, unchanged proxies
// skipped, translation failures.
func (s *Server) Stats() (pushes, skipped, failures int64) {
	return s.pushes.Load(), s.skipped.Load(), s.failures.Load()
}

// update regenerates one proxy (through shapes when not nil) and sets its
// snapshot if anything changed.
func (s *Server) update(id string, ig *indexGen, shapes *shapeCache) (bool, error) {
	if ig == nil || ig.idx == nil {
		return false, nil
	}
	idx := ig.idx
	s.mu.Lock()
	p, ok := s.proxies[id]
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	if p.applied > ig.gen {
		return false, nil // a newer index was applied meanwhile
	}
	s.mu.Lock()
	node, old := p.node, p.versions
	s.mu.Unlock()

	var g *generated
	if shapes == nil {
		g = generate(idx, node)
	} else {
		key := shapeKey(node)
		sh := shapes.get(key)
		sh.once.Do(func() { sh.g = generate(idx, node) })
		if sh.g.ir != nil && sh.g.ir.DependsOnIP {
			sh = shapes.get(key + "|" + strings.Join(node.IPs, ","))
			sh.once.Do(func() { sh.g = generate(idx, node) })
		}
		g = sh.g
	}
	if g.err != nil {
		s.failures.Add(1)
		s.log.Error("xds: translation failed; the proxy keeps its config", "proxy", id, "err", g.err)
		return false, g.err
	}
	changed := old == nil
	for t, v := range g.versions {
		changed = changed || old[t] != v
	}
	ir := *g.ir
	ir.Node = node
	s.mu.Lock()
	if p, ok = s.proxies[id]; ok {
		p.ir = &ir
		if changed {
			p.versions = g.versions
		}
	}
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	if !changed {
		p.applied = ig.gen
		s.skipped.Add(1)
		return false, nil
	}
	snap := g.snap // resources and version map are shared, read-only
	if err := s.cache.SetSnapshot(context.Background(), id, &snap); err != nil {
		s.failures.Add(1)
		return false, fmt.Errorf("xds: set snapshot of %s: %w", id, err)
	}
	p.applied = ig.gen
	s.pushes.Add(1)
	return true, nil
}

// version hashes a type's resources (deterministic proto encoding, in
// name order as the generator sorts them).
func version(items []types.Resource) string {
	if len(items) == 0 {
		return emptyVersion
	}
	h := sha256.New()
	opts := proto.MarshalOptions{Deterministic: true}
	for _, r := range items {
		b, err := opts.Marshal(r)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// connect registers a stream of a node; the first stream of a node makes
// it known, reports it and gives it a snapshot.
func (s *Server) connect(streamID streamKey, n *corev3.Node) error {
	delta := streamID.delta
	s.mu.Lock()
	if _, ok := s.streams[streamID]; ok {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	node, err := pilot.ParseNode(n)
	if err != nil {
		s.log.Warn("xds: rejecting stream", "stream", streamID, "err", err)
		return err
	}
	s.mu.Lock()
	s.streams[streamID] = node.ID
	p, ok := s.proxies[node.ID]
	if !ok {
		p = &proxyState{node: node, connected: time.Now(), types: map[string]*TypeStatus{}, nonces: map[string]string{}}
		s.proxies[node.ID] = p
	}
	p.streams++
	p.delta = delta
	s.mu.Unlock()
	if !ok {
		s.log.Info("xds: proxy connected", "proxy", node.ID, "namespace", node.Namespace, "type", node.Type)
		if s.hooks.Connected != nil {
			s.hooks.Connected(node)
		}
		if _, err := s.update(node.ID, s.index.Load(), nil); err != nil {
			s.log.Error("xds: first push failed", "proxy", node.ID, "err", err)
		}
	}
	return nil
}

func (s *Server) disconnect(streamID streamKey) {
	s.mu.Lock()
	id, ok := s.streams[streamID]
	delete(s.streams, streamID)
	var gone *proxyState
	if p := s.proxies[id]; ok && p != nil {
		p.streams--
		if p.streams <= 0 {
			gone = p
			delete(s.proxies, id)
		}
	}
	s.mu.Unlock()
	if gone == nil {
		return
	}
	s.cache.ClearSnapshot(id)
	s.log.Info("xds: proxy disconnected", "proxy", id)
	if s.hooks.Disconnected != nil {
		s.hooks.Disconnected(gone.node)
	}
}

// sent records a response's version under its nonce.
func (s *Server) sent(streamID streamKey, typeURL, version, nonce string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proxies[s.streams[streamID]]
	if p == nil {
		return
	}
	ts := p.typeStatus(typeURL)
	ts.Sent, ts.SentAt = version, time.Now()
	p.nonces[typeURL+"/"+nonce] = version
}

// answered records an ACK or NACK of the response with nonce.
func (s *Server) answered(streamID streamKey, typeURL, nonce, version string, detail error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proxies[s.streams[streamID]]
	if p == nil {
		return
	}
	ts := p.typeStatus(typeURL)
	if nonce == "" {
		return // a subscription, not an answer
	}
	key := typeURL + "/" + nonce
	v, ok := p.nonces[key]
	delete(p.nonces, key)
	if !ok {
		v = version
	}
	ts.At = time.Now()
	if detail != nil {
		ts.Nacked, ts.Error = v, detail.Error()
		s.log.Warn("xds: proxy rejected config", "proxy", p.node.ID, "type", typeURL, "version", v, "err", detail)
		return
	}
	ts.Acked = v
	if ts.Nacked == v {
		ts.Nacked, ts.Error = "", ""
	}
}

func (p *proxyState) typeStatus(t string) *TypeStatus {
	ts := p.types[t]
	if ts == nil {
		ts = &TypeStatus{}
		p.types[t] = ts
	}
	return ts
}
