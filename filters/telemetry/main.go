// Command telemetry is Mixer's Report inside the proxy: it keeps Istio's
// standard request metrics (istio_requests_total, the duration and size
// histograms) with Istio's labels, exchanges workload metadata with the peer
// sidecar so both ends know each other, and sends access-log records to
// meshd's report sink in batches (100 records or 1 s by default) from a tick,
// never on the request path. It runs in Istio's STATS phase.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o telemetry.wasm .
package main

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

const queueName = "wasmesh.telemetry.reports"

// reasonHeader is where the authz filter puts a denial's reason.
const reasonHeader = "x-wasmesh-authz-reason"

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext {
	return &plugin{counters: map[string]proxywasm.MetricCounter{}, histograms: map[string]proxywasm.MetricHistogram{}}
}

type plugin struct {
	types.DefaultPluginContext
	cfg        config
	self       peerInfo
	selfHeader string
	queue      uint32
	pending    batch
	counters   map[string]proxywasm.MetricCounter
	histograms map[string]proxywasm.MetricHistogram
	dropped    proxywasm.MetricCounter
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	// Every setting has a default: a plugin without configuration is fine
	// (the host answers NOT_FOUND for an empty one).
	b, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("telemetry: reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if p.cfg, err = parseConfig(b); err != nil {
		proxywasm.LogCritical(err.Error())
		return types.OnPluginStartStatusFailed
	}
	p.pending.max = p.cfg.BatchMaxEntries
	p.dropped = proxywasm.DefineCounterMetric("wasmesh_telemetry_reports_dropped_total")
	if p.cfg.ReportCluster != "" {
		if p.queue, err = proxywasm.RegisterSharedQueue(queueName); err != nil {
			proxywasm.LogCriticalf("telemetry: registering the report queue: %v", err)
			return types.OnPluginStartStatusFailed
		}
		if err := proxywasm.SetTickPeriodMilliSeconds(uint32(p.cfg.batchMaxTime / time.Millisecond)); err != nil {
			proxywasm.LogCriticalf("telemetry: setting the tick: %v", err)
			return types.OnPluginStartStatusFailed
		}
	}
	return types.OnPluginStartStatusOK
}

// OnQueueReady moves queued records into the batch, sending it when full.
func (p *plugin) OnQueueReady(uint32) {
	if p.drain() {
		p.flush()
	}
}

// OnTick sends whatever is batched: records are at most batchMaxTime old.
func (p *plugin) OnTick() {
	p.drain()
	p.flush()
}

func (p *plugin) drain() (full bool) {
	for {
		rec, err := proxywasm.DequeueSharedQueue(p.queue)
		if err != nil || rec == nil {
			return full
		}
		if p.pending.add(rec) {
			full = true
		}
	}
}

func (p *plugin) flush() {
	body := p.pending.take()
	if body == nil {
		return
	}
	hs := [][2]string{{":method", "POST"}, {":path", p.cfg.ReportPath}, {":authority", p.cfg.ReportAuthority}, {"content-type", "application/json"}}
	_, err := proxywasm.DispatchHttpCall(p.cfg.ReportCluster, hs, body, nil, uint32(p.cfg.reportTimeout/time.Millisecond), func(numHeaders, _, _ int) {
		if numHeaders == 0 {
			p.dropped.Increment(1)
			proxywasm.LogWarn("telemetry: report to meshd failed or timed out; batch dropped")
		}
	})
	if err != nil {
		p.dropped.Increment(1)
		proxywasm.LogWarnf("telemetry: dispatching report to cluster %q: %v", p.cfg.ReportCluster, err)
	}
}

func (p *plugin) counter(name string) proxywasm.MetricCounter {
	m, ok := p.counters[name]
	if !ok {
		m = proxywasm.DefineCounterMetric(name)
		p.counters[name] = m
	}
	return m
}

func (p *plugin) histogram(name string) proxywasm.MetricHistogram {
	m, ok := p.histograms[name]
	if !ok {
		m = proxywasm.DefineHistogramMetric(name)
		p.histograms[name] = m
	}
	return m
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	if p.selfHeader == "" {
		// Read on the first stream rather than at plugin start: every host
		// answers node metadata on a stream, not all do on the root context.
		p.self = selfInfo()
		p.selfHeader = p.self.encode()
	}
	return &stream{p: p}
}

type stream struct {
	types.DefaultHttpContext
	p                     *plugin
	start                 uint64
	peer                  peerInfo
	method, path, host    string
	requestID, protocol   string
	code                  int
	grpcStatus, reason    string
	reporter              string
	sawResponse, reported bool
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	s.start = nowNanos()
	// The listener direction is a stream property: read it per stream.
	s.reporter = s.p.cfg.Reporter
	if s.reporter == "" {
		s.reporter = reporterFromDirection()
	}
	hs, _ := proxywasm.GetHttpRequestHeaders()
	s.protocol = "http"
	for _, h := range hs {
		switch strings.ToLower(h[0]) {
		case ":method":
			s.method = h[1]
		case ":path":
			s.path = h[1]
		case ":authority":
			s.host = h[1]
		case "x-request-id":
			s.requestID = h[1]
		case "content-type":
			if strings.HasPrefix(h[1], "application/grpc") {
				s.protocol = "grpc"
			}
		case peerHeader:
			if s.reporter == "destination" {
				if pi, err := decodePeer(h[1]); err == nil {
					s.peer = pi
				}
			}
		}
	}
	if s.reporter == "destination" {
		_ = proxywasm.RemoveHttpRequestHeader(peerHeader)
	} else {
		_ = proxywasm.ReplaceHttpRequestHeader(peerHeader, s.p.selfHeader)
	}
	return types.ActionContinue
}

func (s *stream) OnHttpResponseHeaders(int, bool) types.Action {
	s.sawResponse = true
	if v, err := proxywasm.GetHttpResponseHeader(":status"); err == nil {
		s.code, _ = strconv.Atoi(v)
	}
	if v, err := proxywasm.GetHttpResponseHeader("grpc-status"); err == nil {
		s.grpcStatus = v
	}
	if v, err := proxywasm.GetHttpResponseHeader(reasonHeader); err == nil {
		s.reason = v
	}
	if s.reporter == "source" {
		if v, err := proxywasm.GetHttpResponseHeader(peerHeader); err == nil {
			if pi, err := decodePeer(v); err == nil {
				s.peer = pi
			}
		}
		_ = proxywasm.RemoveHttpResponseHeader(peerHeader)
	} else {
		_ = proxywasm.ReplaceHttpResponseHeader(peerHeader, s.p.selfHeader)
	}
	return types.ActionContinue
}

func (s *stream) OnHttpResponseTrailers(int) types.Action {
	if v, err := proxywasm.GetHttpResponseTrailer("grpc-status"); err == nil {
		s.grpcStatus = v
	}
	return types.ActionContinue
}

func (s *stream) OnHttpStreamDone() {
	if s.reported {
		return
	}
	if s.start == 0 {
		// An earlier filter answered the request (e.g. authz denied it), so
		// no header callback ran here; the stream's properties still say
		// what happened, as Envoy's access-log path does for Istio's stats.
		s.fromProperties()
	}
	s.reported = true
	durMs := float64(nowNanos()-s.start) / 1e6
	if !s.sawResponse || s.code == 0 {
		s.code = int(propInt("response", "code"))
	}
	f := facts{
		Reporter:        s.reporter,
		Self:            s.p.self,
		Peer:            s.peer,
		SourcePrincipal: propString("connection", "uri_san_peer_certificate"),
		DestPrincipal:   propString("connection", "uri_san_local_certificate"),
		DestService:     firstNonEmpty(propString("destination", "service"), hostOnly(s.host)),
		Protocol:        s.protocol,
		ResponseCode:    s.code,
		GRPCStatus:      s.grpcStatus,
		ResponseFlags:   propString("response", "flags"),
		MutualTLS:       propBool("connection", "mtls"),
	}
	if f.Reporter == "source" {
		// On the client side the local certificate is ours: the source.
		f.SourcePrincipal, f.DestPrincipal = f.DestPrincipal, f.SourcePrincipal
	}
	values := labels(f)
	reqBytes, respBytes := propInt("request", "total_size"), propInt("response", "total_size")
	s.p.counter(metricName(metricRequests, values)).Increment(1)
	s.p.histogram(metricName(metricDuration, values)).Record(uint64(durMs + 0.5))
	s.p.histogram(metricName(metricRequestBytes, values)).Record(uint64(reqBytes))
	s.p.histogram(metricName(metricResponseBytes, values)).Record(uint64(respBytes))

	if s.p.cfg.ReportCluster == "" {
		return
	}
	src, dst := s.peer, s.p.self
	if f.Reporter == "source" {
		src, dst = s.p.self, s.peer
	}
	rec := record{
		Time:     time.Unix(0, int64(s.start)).UTC().Format(time.RFC3339Nano),
		Reporter: f.Reporter, Source: workloadID(src), Destination: workloadID(dst),
		Service: f.DestService, Principal: f.SourcePrincipal,
		Method: s.method, Path: s.path, Protocol: s.protocol, Code: s.code, Flags: f.ResponseFlags, Reason: s.reason,
		DurationMs: int64(durMs + 0.5), RequestBytes: reqBytes, ResponseBytes: respBytes, RequestID: s.requestID,
	}
	if err := proxywasm.EnqueueSharedQueue(s.p.queue, rec.encode()); err != nil {
		s.p.dropped.Increment(1)
	}
}

// fromProperties fills what the header callbacks would have seen.
func (s *stream) fromProperties() {
	s.start = uint64(propInt("request", "time"))
	if s.start == 0 {
		s.start = nowNanos()
	}
	s.reporter = s.p.cfg.Reporter
	if s.reporter == "" {
		s.reporter = reporterFromDirection()
	}
	s.method, s.path, s.host = propString("request", "method"), propString("request", "path"), propString("request", "host")
	s.protocol = "http"
	if s.reporter == "destination" {
		if pi, err := decodePeer(propString("request", "headers", peerHeader)); err == nil {
			s.peer = pi
		}
	}
}

func workloadID(p peerInfo) string {
	if p.Workload == "" {
		return "unknown"
	}
	return p.Workload + "." + orUnknown(p.Namespace)
}

// reporterFromDirection reads the listener direction the proxy reports
// (Envoy's enum: 1 inbound, 2 outbound; or its name).
func reporterFromDirection() string {
	b, err := proxywasm.GetProperty([]string{"xds", "listener_direction"})
	if err == nil {
		if s := string(b); s == "inbound" || (len(b) == 8 && binary.LittleEndian.Uint64(b) == 1) {
			return "destination"
		}
	}
	return "source"
}

func selfInfo() peerInfo {
	md := func(k string) string { return propString("node", "metadata", k) }
	p := peerInfo{
		Workload:  md("WORKLOAD_NAME"),
		Namespace: md("NAMESPACE"),
		App:       md("APP"),
		Version:   md("VERSION"),
		Cluster:   md("CLUSTER_ID"),
	}
	p.Service = firstNonEmpty(md("CANONICAL_SERVICE"), p.App, p.Workload)
	p.Revision = firstNonEmpty(md("CANONICAL_REVISION"), p.Version, "latest")
	return p
}

func nowNanos() uint64 {
	if ns, err := proxywasm.GetCurrentTimeNanoseconds(); err == nil {
		return ns
	}
	return uint64(time.Now().UnixNano())
}

func propString(path ...string) string {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return ""
	}
	return string(b)
}

func propBool(path ...string) bool {
	b, err := proxywasm.GetProperty(path)
	return err == nil && len(b) == 1 && b[0] == 1
}

// propInt reads an integer property: 8 little-endian bytes or decimal text.
func propInt(path ...string) int64 {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return 0
	}
	if len(b) == 8 {
		return int64(binary.LittleEndian.Uint64(b))
	}
	n, _ := strconv.ParseInt(string(b), 10, 64)
	return n
}

func hostOnly(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[i:], "]") {
		return s[:i]
	}
	return s
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
