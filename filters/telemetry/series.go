package main

import "github.com/wasmesh/wasmesh/sdk/proxywasm"

// maxSeries bounds the handle cache: label values come partly from peers,
// so a flood of distinct values must not grow the guest's memory without
// end. Past it the cache starts over; the host keeps the metrics, and
// defining a name again finds the same metric.
const maxSeries = 4096

// series are the four metric handles of one label set.
type series struct {
	requests                              proxywasm.MetricCounter
	duration, requestBytes, responseBytes proxywasm.MetricHistogram
}

// seriesFor returns the handles for f's labels. facts is comparable and
// holds exactly what labels() renders, so a hit costs one map lookup and
// builds no name; only a new label set renders its four names.
func (p *plugin) seriesFor(f *facts) series {
	if m, ok := p.series[*f]; ok {
		return m
	}
	values := labels(*f)
	m := series{
		requests:      proxywasm.DefineCounterMetric(metricName(metricRequests, values)),
		duration:      proxywasm.DefineHistogramMetric(metricName(metricDuration, values)),
		requestBytes:  proxywasm.DefineHistogramMetric(metricName(metricRequestBytes, values)),
		responseBytes: proxywasm.DefineHistogramMetric(metricName(metricResponseBytes, values)),
	}
	if len(p.series) >= maxSeries {
		clear(p.series)
	}
	p.series[*f] = m
	return m
}
