package main

import (
	"strings"

	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// maxSeries bounds the series cache: label values come partly from peers,
// so a flood of distinct values must not grow the guest's memory without
// end. Past it the cache starts over; the host keeps the metrics, and
// defining a name again finds the same metric.
const maxSeries = 1024

// seriesKey is everything a request's labels and its record's fixed fields
// depend on besides our own metadata (fixed per plugin). The peer is
// interned by peerCache, so it is compared by pointer: a hit hashes a few
// short strings and builds nothing.
type seriesKey struct {
	peer                           *peer
	reporter                       string
	peerSAN, localSAN, destService string
	protocol, grpcStatus, flags    string
	code                           int
	mutualTLS                      bool
}

// facts are the key's label inputs with our own metadata.
func (k *seriesKey) facts(self peerInfo) facts {
	f := facts{
		Reporter: k.reporter, Self: self, Peer: k.peer.info,
		SourcePrincipal: k.peerSAN, DestPrincipal: k.localSAN, DestService: k.destService,
		Protocol: k.protocol, ResponseCode: k.code, GRPCStatus: k.grpcStatus, ResponseFlags: k.flags, MutualTLS: k.mutualTLS,
	}
	if f.Reporter == "source" {
		// On the client side the local certificate is ours: the source.
		f.SourcePrincipal, f.DestPrincipal = f.DestPrincipal, f.SourcePrincipal
	}
	return f
}

// series are the four metric handles of one label set, and the fixed part
// of its records, encoded once.
type series struct {
	requests                              proxywasm.MetricCounter
	duration, requestBytes, responseBytes proxywasm.MetricHistogram
	recordHead                            []byte // record.appendHead; nil until a record needs it
}

// seriesFor returns the series of k; only a new label set renders its four
// metric names.
func (p *plugin) seriesFor(k *seriesKey) *series {
	if p.lastSeries != nil && p.lastKey == *k {
		return p.lastSeries
	}
	if m, ok := p.series[*k]; ok {
		p.lastKey, p.lastSeries = *k, m
		return m
	}
	values := labels(k.facts(p.self))
	m := &series{
		requests:      proxywasm.DefineCounterMetric(metricName(metricRequests, values)),
		duration:      proxywasm.DefineHistogramMetric(metricName(metricDuration, values)),
		requestBytes:  proxywasm.DefineHistogramMetric(metricName(metricRequestBytes, values)),
		responseBytes: proxywasm.DefineHistogramMetric(metricName(metricResponseBytes, values)),
	}
	if len(p.series) >= maxSeries {
		clear(p.series)
	}
	// The key outlives the stream: copies of the values that may be header
	// values, which share the SDK's larger blocks.
	key := *k
	key.destService, key.grpcStatus = strings.Clone(k.destService), strings.Clone(k.grpcStatus)
	p.series[key] = m
	p.lastKey, p.lastSeries = key, m
	return m
}
