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
	"errors"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext {
	return &plugin{
		series:      map[seriesKey]*series{},
		peerSAN:     lastString{path: []string{"connection", "uri_san_peer_certificate"}},
		localSAN:    lastString{path: []string{"connection", "uri_san_local_certificate"}},
		destService: lastString{path: []string{"destination", "service"}},
		flags:       lastString{path: []string{"response", "flags"}},
	}
}

// plugin is one instance's root context. Everything per request that can be
// computed once is kept here: our own metadata and header, the metric
// handles per label set, the last peer header decoded, the batch of records.
type plugin struct {
	types.DefaultPluginContext
	cfg        config
	self       peerInfo
	selfHeader string // what we send our peers
	selfID     string // workloadID(self)
	series     map[seriesKey]*series
	// lastKey and lastSeries answer a request with the labels of the one
	// before (the common case) without hashing the key.
	lastKey    seriesKey
	lastSeries *series
	peers      peerCache
	// the string properties read at every stream's end
	peerSAN, localSAN, destService, flags lastString
	queue                                 uint32
	pending                               batch
	dropped                               proxywasm.MetricCounter
	// inFlight counts reports sent and not answered yet; finishing is set
	// once the host asked the instance to finish (OnPluginDone).
	inFlight  int
	finishing bool
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

func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	if p.selfHeader == "" {
		// Read on the first stream rather than at plugin start: every host
		// answers node metadata on a stream, not all do on the root context.
		p.self = selfInfo()
		p.selfHeader = p.self.encode()
		p.selfID = workloadID(p.self)
	}
	return &stream{p: p, peer: noPeer}
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
