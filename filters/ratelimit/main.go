// Command ratelimit is Mixer's quota inside the proxy: token buckets per
// configurable key (the caller's SPIFFE identity, source IP, path, a header,
// or one global bucket) kept in the host's shared data with compare-and-swap,
// so every VM instance of the proxy draws from the same bucket. A request
// without a token gets 429 with Retry-After. Optionally, a request the local
// bucket allowed also asks meshd's global quota service.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ratelimit.wasm .
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// casRetries bounds the compare-and-swap loop under contention.
const casRetries = 16

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	cfg                     config
	allowed, limited, error proxywasm.MetricCounter
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	b, err := proxywasm.GetPluginConfiguration()
	if err == nil {
		p.cfg, err = parseConfig(b)
	}
	if err != nil {
		proxywasm.LogCritical(err.Error())
		return types.OnPluginStartStatusFailed
	}
	p.allowed = proxywasm.DefineCounterMetric(fmt.Sprintf(`wasmesh_ratelimit_requests_total{name=%q,result="allowed"}`, p.cfg.Name))
	p.limited = proxywasm.DefineCounterMetric(fmt.Sprintf(`wasmesh_ratelimit_requests_total{name=%q,result="limited"}`, p.cfg.Name))
	p.error = proxywasm.DefineCounterMetric(fmt.Sprintf(`wasmesh_ratelimit_requests_total{name=%q,result="error"}`, p.cfg.Name))
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{p: p} }

type stream struct {
	types.DefaultHttpContext
	p *plugin
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	key := "wasmesh.ratelimit." + s.p.cfg.Name + "." + s.key()
	ok, retry, err := s.p.takeToken(key)
	if err != nil {
		// Shared data misbehaving is the host's problem: let traffic through.
		s.p.error.Increment(1)
		proxywasm.LogWarnf("ratelimit: %v", err)
		return types.ActionContinue
	}
	if !ok {
		s.p.limited.Increment(1)
		s.tooMany(retry)
		return types.ActionPause
	}
	if g := s.p.cfg.Global; g != nil {
		return s.askGlobal(g, key)
	}
	s.p.allowed.Increment(1)
	return types.ActionContinue
}

// key extracts the bucket key of this request.
func (s *stream) key() string {
	switch k := s.p.cfg.Key; k {
	case "global":
		return "*"
	case "principal":
		return property("connection", "uri_san_peer_certificate")
	case "ip":
		return hostOnly(property("source", "address"))
	case "path":
		v, _ := proxywasm.GetHttpRequestHeader(":path")
		if i := strings.IndexByte(v, '?'); i >= 0 {
			v = v[:i]
		}
		return v
	default: // header:<name>
		v, _ := proxywasm.GetHttpRequestHeader(k[len("header:"):])
		return v
	}
}

// takeToken runs the compare-and-swap loop on the shared bucket.
func (p *plugin) takeToken(key string) (ok bool, retry time.Duration, err error) {
	for range casRetries {
		raw, cas, gerr := proxywasm.GetSharedData(key)
		fresh := errors.Is(gerr, types.ErrorStatusNotFound)
		if gerr != nil && !fresh {
			return false, 0, fmt.Errorf("reading bucket %q: %w", key, gerr)
		}
		var b bucket
		if !fresh {
			if b, err = decodeBucket(raw); err != nil {
				fresh = true // a corrupt bucket starts over, full
			}
		}
		next, took, wait := p.cfg.limits.take(b, nowNanos(), fresh)
		serr := proxywasm.SetSharedData(key, next.encode(), cas)
		if errors.Is(serr, types.ErrorStatusCasMismatch) {
			continue // another instance changed the bucket: redo on its value
		}
		if serr != nil {
			return false, 0, fmt.Errorf("writing bucket %q: %w", key, serr)
		}
		return took, wait, nil
	}
	return false, 0, fmt.Errorf("bucket %q: %d compare-and-swap conflicts in a row", key, casRetries)
}

func (s *stream) tooMany(retry time.Duration) {
	secs := int((retry + time.Second - 1) / time.Second)
	hs := [][2]string{{"retry-after", strconv.Itoa(secs)}, {"content-type", "text/plain"},
		{"x-ratelimit-limit", strconv.FormatInt(s.p.cfg.limits.MaxTokens, 10)}, {"x-ratelimit-remaining", "0"}}
	if err := proxywasm.SendHttpResponse(429, hs, []byte("rate limit exceeded\n"), -1); err != nil {
		proxywasm.LogErrorf("ratelimit: sending 429: %v", err)
	}
}

// askGlobal pauses the request and asks meshd's quota service for a token.
func (s *stream) askGlobal(g *global, key string) types.Action {
	body, _ := json.Marshal(map[string]any{"key": key, "amount": 1})
	hs := [][2]string{{":method", "POST"}, {":path", g.Path}, {":authority", g.Authority}, {"content-type", "application/json"}}
	_, err := proxywasm.DispatchHttpCall(g.Cluster, hs, body, nil, uint32(g.timeout/time.Millisecond), func(numHeaders, _, _ int) {
		status := ""
		if numHeaders > 0 {
			if rh, err := proxywasm.GetHttpCallResponseHeaders(); err == nil {
				for _, h := range rh {
					if h[0] == ":status" {
						status = h[1]
					}
				}
			}
		}
		switch {
		case status == "200":
			s.p.allowed.Increment(1)
			_ = proxywasm.ResumeHttpRequest()
		case status == "429":
			s.p.limited.Increment(1)
			s.tooMany(time.Second)
		default:
			s.p.error.Increment(1)
			proxywasm.LogWarnf("ratelimit: global quota answered %q", status)
			if g.FailClosed {
				_ = proxywasm.SendHttpResponse(503, [][2]string{{"content-type", "text/plain"}}, []byte("quota service unavailable\n"), -1)
			} else {
				_ = proxywasm.ResumeHttpRequest()
			}
		}
	})
	if err != nil {
		s.p.error.Increment(1)
		if g.FailClosed {
			_ = proxywasm.SendHttpResponse(503, nil, []byte("quota service unavailable\n"), -1)
			return types.ActionPause
		}
		return types.ActionContinue
	}
	return types.ActionPause
}

func property(path ...string) string {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return ""
	}
	return string(b)
}

func nowNanos() int64 {
	if ns, err := proxywasm.GetCurrentTimeNanoseconds(); err == nil {
		return int64(ns)
	}
	return time.Now().UnixNano()
}

// hostOnly strips the port from host:port and the brackets from [v6]:port.
func hostOnly(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return s
	}
	if strings.Count(s, ":") == 1 {
		return s[:strings.IndexByte(s, ':')]
	}
	return s
}
