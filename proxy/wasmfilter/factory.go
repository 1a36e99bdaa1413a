package wasmfilter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/fetch"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// Config configures a Factory.
type Config struct {
	Logger       *slog.Logger
	CacheDir     string // module and compilation cache; "" = none
	NodeID       string
	NodeMetadata map[string]string
	// AllowPrivateFetch lets remote modules come from loopback/private addresses (tests, in-mesh stores).
	AllowPrivateFetch bool
	Foreign           *host.ForeignRegistry
	// NoDeadlines runs filters without per-callback deadlines, for trusted
	// modules only (host.Config.NoDeadlines).
	NoDeadlines bool
	// WazeroDeadlines enforces deadlines with wazero's own, slower mechanism
	// (host.Config.WazeroDeadlines).
	WazeroDeadlines bool
	// LocalIdentity is the workload's SPIFFE ID (the URI SAN of the
	// certificate the proxy presents in mesh mTLS), served as
	// connection.uri_san_local_certificate on mTLS connections; "" = none.
	LocalIdentity string
}

// Factory creates Wasm HTTP filters; it implements proxy.WasmFactory.
type Factory struct {
	log      *slog.Logger
	host     *host.Host
	fetch    *fetch.Fetcher
	clusters atomic.Pointer[cluster.Manager]
	local    string

	mu      sync.Mutex
	plugins map[string]*host.Plugin
	// byConfig is the plugin last loaded for each configKey; unusedSince
	// when each plugin Retain found unused began its grace (retain.go).
	byConfig    map[string]string
	unusedSince map[string]time.Time
	grace       time.Duration
	sweepTimer  *time.Timer
	closing     sync.WaitGroup
	closed      bool
}

// New starts the Wasm host.
func New(ctx context.Context, cfg Config) (*Factory, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	f := &Factory{log: cfg.Logger, plugins: map[string]*host.Plugin{}, local: cfg.LocalIdentity,
		byConfig: map[string]string{}, unusedSince: map[string]time.Time{}}
	fe, err := fetch.New(fetch.Config{CacheDir: cfg.CacheDir, Logger: cfg.Logger, AllowPrivate: cfg.AllowPrivateFetch})
	if err != nil {
		return nil, fmt.Errorf("wasmfilter: %w", err)
	}
	f.fetch = fe
	foreign := cfg.Foreign
	if foreign == nil {
		foreign = host.NewForeignRegistry()
	}
	h, err := host.New(ctx, host.Config{Logger: cfg.Logger, CacheDir: cfg.CacheDir, NodeID: cfg.NodeID, NoDeadlines: cfg.NoDeadlines, WazeroDeadlines: cfg.WazeroDeadlines,
		NodeMetadata: cfg.NodeMetadata, HTTPCalls: f, Foreign: foreign})
	if err != nil {
		return nil, fmt.Errorf("wasmfilter: %w", err)
	}
	f.host = h
	return f, nil
}

// SetClusters gives the factory the proxy's clusters for proxy_http_call.
func (f *Factory) SetClusters(m *cluster.Manager) { f.clusters.Store(m) }

// Close stops the host, after the unused plugins being closed.
func (f *Factory) Close(ctx context.Context) error {
	f.mu.Lock()
	f.closed = true
	if f.sweepTimer != nil {
		f.sweepTimer.Stop()
	}
	f.mu.Unlock()
	f.closing.Wait()
	return f.host.Close(ctx)
}

// WriteMetrics appends the guests' metrics in the Prometheus text format.
func (f *Factory) WriteMetrics(w http.ResponseWriter) { _ = f.host.Metrics().WritePrometheus(w) }

// NewFilter loads (or reuses) the plugin for cfg and returns its filter.
func (f *Factory) NewFilter(ctx context.Context, cfg *config.WasmFilter) (httpx.Filter, error) {
	p, err := f.Plugin(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Filter{p: p, name: cfg.Name, local: f.local}, nil
}

// Plugin loads (or reuses) the plugin for cfg: the module from a local file,
// inline bytes or a remote URI verified by sha256, compiled once. HTTP and
// network Wasm filters (proxy/netwasm) both get their plugins here.
func (f *Factory) Plugin(ctx context.Context, cfg *config.WasmFilter) (*host.Plugin, error) {
	module, err := f.module(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(module)
	digest := hex.EncodeToString(sum[:])
	key := strings.Join([]string{digest, cfg.Name, cfg.RootID, cfg.VMID, string(cfg.Configuration), string(cfg.VMConfiguration), fmt.Sprint(cfg.FailOpen, cfg.Env)}, "\x00")
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.plugins[key]
	if p == nil {
		fail := host.FailClose
		if cfg.FailOpen {
			fail = host.FailOpen
		}
		p, err = f.host.Load(ctx, host.PluginConfig{Name: cfg.Name, RootID: cfg.RootID, VMID: cfg.VMID, Module: module,
			SHA256: digest, Configuration: cfg.Configuration, VMConfiguration: cfg.VMConfiguration, Env: cfg.Env, Fail: fail})
		if err != nil {
			return nil, fmt.Errorf("wasmfilter: %w", err)
		}
		f.plugins[key] = p
	}
	f.byConfig[configKey(cfg)] = key
	delete(f.unusedSince, key)
	return p, nil
}

func (f *Factory) module(ctx context.Context, cfg *config.WasmFilter) ([]byte, error) {
	switch {
	case cfg.LocalBytes != nil:
		return cfg.LocalBytes, nil
	case cfg.LocalFile != "":
		b, err := os.ReadFile(cfg.LocalFile)
		if err != nil {
			return nil, fmt.Errorf("wasmfilter: %w", err)
		}
		return b, nil
	case cfg.RemoteURI != "":
		b, err := f.fetch.Get(ctx, cfg.RemoteURI, cfg.SHA256)
		if err != nil {
			return nil, fmt.Errorf("wasmfilter: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("wasmfilter: plugin %q has no code", cfg.Name)
}

// Dispatch implements host.HTTPCallDispatcher by sending the call to a cluster.
func (f *Factory) Dispatch(ctx context.Context, req host.HTTPCallRequest, done func(host.HTTPCallResponse)) {
	go func() { done(f.dispatch(ctx, req)) }()
}

func (f *Factory) dispatch(ctx context.Context, req host.HTTPCallRequest) host.HTTPCallResponse {
	m := f.clusters.Load()
	if m == nil {
		return host.HTTPCallResponse{Err: fmt.Errorf("wasmfilter: no clusters")}
	}
	cl := m.Get(req.Cluster)
	if cl == nil {
		return host.HTTPCallResponse{Err: fmt.Errorf("wasmfilter: unknown cluster %q", req.Cluster)}
	}
	h, err := cl.Pick(&cluster.PickContext{})
	if err != nil {
		return host.HTTPCallResponse{Err: err}
	}
	if req.Timeout <= 0 {
		req.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	var method, path, authority string
	hdr := http.Header{}
	for _, p := range req.Headers {
		switch p.Key {
		case ":method":
			method = p.Value
		case ":path":
			path = p.Value
		case ":authority":
			authority = p.Value
		default:
			if !strings.HasPrefix(p.Key, ":") {
				hdr.Add(p.Key, p.Value)
			}
		}
	}
	hr, err := http.NewRequestWithContext(ctx, method, cl.Scheme()+"://"+h.Addr+path, bytes.NewReader(req.Body))
	if err != nil {
		return host.HTTPCallResponse{Err: err}
	}
	hr.Header, hr.Host = hdr, authority
	resp, err := cl.Transport(1).RoundTrip(hr)
	cl.Report(h, cluster.Result{Status: statusOf(resp), ConnectFail: err != nil})
	if err != nil {
		return host.HTTPCallResponse{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return host.HTTPCallResponse{Err: err}
	}
	out := host.HTTPCallResponse{Body: body, Headers: []abi.Pair{{Key: ":status", Value: fmt.Sprint(resp.StatusCode)}}}
	out.Headers = append(out.Headers, pairs(resp.Header)...)
	out.Trailers = pairs(resp.Trailer)
	return out
}

func statusOf(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// lowerKeys holds the lower-case form of common canonical header keys, so
// that handing headers to a guest does not allocate one per request.
var lowerKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
		"Connection", "Content-Encoding", "Content-Length", "Content-Type", "Cookie", "Date", "Etag", "Grpc-Encoding",
		"Grpc-Accept-Encoding", "Grpc-Message", "Grpc-Status", "Grpc-Timeout", "Last-Modified", "Location", "Origin", "Referer",
		"Server", "Set-Cookie", "Te", "Traceparent", "Tracestate", "Transfer-Encoding", "User-Agent", "Vary",
		"X-B3-Parentspanid", "X-B3-Sampled", "X-B3-Spanid", "X-B3-Traceid", "X-Envoy-Attempt-Count",
		"X-Envoy-Upstream-Service-Time", "X-Forwarded-Client-Cert", "X-Forwarded-For", "X-Forwarded-Proto",
		"X-Request-Id", "X-Wasmesh-Authz-Reason", "X-Wasmesh-Peer-Metadata"} {
		m[k] = strings.ToLower(k)
	}
	return m
}()

func pairs(h http.Header) []abi.Pair { return appendPairs(make([]abi.Pair, 0, len(h)+4), h) }

// appendPairs appends h's headers to dst with lower-case keys.
func appendPairs(dst []abi.Pair, h http.Header) []abi.Pair {
	for k, vs := range h {
		lk, ok := lowerKeys[k]
		if !ok {
			lk = strings.ToLower(k)
		}
		for _, v := range vs {
			dst = append(dst, abi.Pair{Key: lk, Value: v})
		}
	}
	return dst
}
