package xdsclient

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// Client is an ADS client. Create it with New, run it with Run; Subscribe and Status are safe
// to call from any goroutine.
type Client struct {
	cfg     Config
	log     *slog.Logger
	running atomic.Bool
	kick    chan struct{} // a subscription changed

	mu        sync.Mutex
	order     []string                       // type URLs in request order
	wants     map[string]map[string]struct{} // desired names per type; replaced, never mutated
	status    map[string]*TypeStatus
	connected bool

	watches map[string]*watch // owned by Run's goroutine
}

// New validates cfg and returns a client that is not yet connected.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	cfg.Node = proto.Clone(cfg.Node).(*corev3.Node) // sent from Run's goroutine; the caller may reuse its own
	c := &Client{
		cfg:     cfg,
		log:     cfg.Logger,
		kick:    make(chan struct{}, 1),
		wants:   map[string]map[string]struct{}{},
		status:  map[string]*TypeStatus{},
		watches: map[string]*watch{},
	}
	for _, t := range cfg.Types {
		if _, dup := c.wants[t]; dup {
			continue
		}
		want := map[string]struct{}{}
		if isWildcardType(t) {
			want[Wildcard] = struct{}{}
		}
		c.order = append(c.order, t)
		c.wants[t] = want
		c.status[t] = &TypeStatus{}
	}
	return c, nil
}

// Subscribe replaces the set of names wanted for typeURL (RDS, EDS, SDS, ECDS; or LDS/CDS to
// narrow the default wildcard). The name Wildcard subscribes to all. An empty list unsubscribes.
// Resources no longer wanted are dropped from the set the Handler holds.
func (c *Client) Subscribe(typeURL string, names []string) {
	if !isKnownType(typeURL) {
		c.log.Warn("xdsclient: subscribe to unsupported type ignored", "type", typeURL)
		return
	}
	want := make(map[string]struct{}, len(names))
	for _, n := range names {
		want[n] = struct{}{}
	}
	c.mu.Lock()
	if _, ok := c.wants[typeURL]; !ok {
		c.order = append(c.order, typeURL)
		c.status[typeURL] = &TypeStatus{}
	}
	c.wants[typeURL] = want
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Status returns a snapshot of the connection and per-type state.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Status{Connected: c.connected, Types: make(map[string]TypeStatus, len(c.status))}
	for t, ts := range c.status {
		cp := *ts
		cp.Subscribed = slices.Sorted(maps.Keys(c.wants[t]))
		s.Types[t] = cp
	}
	return s
}

// Run keeps an ADS stream open until ctx is done, reconnecting with jittered exponential
// backoff. It returns nil when ctx is done, ErrAlreadyRunning if called twice concurrently.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer c.running.Store(false)
	bo := backoff{min: c.cfg.BackoffMin, max: c.cfg.BackoffMax}
	for {
		established, err := c.connectOnce(ctx)
		c.setConnected(false)
		if ctx.Err() != nil {
			return nil
		}
		if established {
			bo.reset()
		}
		d := bo.next()
		c.log.Warn("xdsclient: ADS stream ended, reconnecting", "address", c.cfg.Address, "err", err, "after", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// connectOnce runs one connection and stream; established reports whether a response arrived.
func (c *Client) connectOnce(ctx context.Context) (established bool, err error) {
	conn, err := grpc.NewClient(c.cfg.Address, c.dialOptions()...)
	if err != nil {
		return false, fmt.Errorf("xdsclient: dial %s: %w", c.cfg.Address, err)
	}
	defer conn.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &session{c: c, ctx: sctx, cancel: cancel, nodePending: true, held: map[string]heldResponse{}}
	for _, w := range c.watches {
		w.resetStream()
	}
	if c.cfg.Delta {
		err = runDelta(s, conn)
	} else {
		err = runSotw(s, conn)
	}
	return s.received, err
}

func (c *Client) dialOptions() []grpc.DialOption {
	creds := insecure.NewCredentials()
	if c.cfg.TLS != nil {
		creds = credentials.NewTLS(c.cfg.TLS)
	}
	return append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, c.cfg.DialOptions...)
}

// wanted returns the request order and desired names of every type.
func (c *Client) wanted() ([]string, map[string]map[string]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.order), maps.Clone(c.wants)
}

// watchFor returns the Run-goroutine state of typeURL, creating it.
func (c *Client) watchFor(typeURL string) *watch {
	w, ok := c.watches[typeURL]
	if !ok {
		w = &watch{typeURL: typeURL, resources: map[string]proto.Message{}, versions: map[string]string{}}
		c.watches[typeURL] = w
	}
	return w
}

func (c *Client) setConnected(v bool) {
	c.mu.Lock()
	c.connected = v
	c.mu.Unlock()
}

func (c *Client) recordACK(typeURL, version string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := c.typeStatus(typeURL)
	ts.Version, ts.Resources, ts.ACKedAt = version, n, time.Now()
}

func (c *Client) recordResources(typeURL string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.typeStatus(typeURL).Resources = n
}

func (c *Client) recordNACK(typeURL string, n NACK) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.typeStatus(typeURL).LastNACK = n
}

// typeStatus returns the status entry of typeURL; c.mu must be held.
func (c *Client) typeStatus(typeURL string) *TypeStatus {
	ts, ok := c.status[typeURL]
	if !ok {
		ts = &TypeStatus{}
		c.status[typeURL] = ts
	}
	return ts
}
