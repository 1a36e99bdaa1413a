package proxywasm

import (
	"fmt"

	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

type (
	// MetricCounter is a counter defined with DefineCounterMetric.
	MetricCounter uint32
	// MetricGauge is a gauge defined with DefineGaugeMetric.
	MetricGauge uint32
	// MetricHistogram is a histogram defined with DefineHistogramMetric.
	MetricHistogram uint32
)

// The metric API has no error results (it mirrors the tetratelabs SDK); a
// failing host call is logged at error level instead of panicking. Callers
// check the status first and format only a failure: metrics are updated on
// every request.
func logMetricErr(st abi.Status, format string, arg any) {
	hostcall.Log(abi.LogError, fmt.Sprintf("proxywasm: "+format+": %v", arg, statusToError(st)))
}

func defineMetric(mt abi.MetricType, name string) uint32 {
	id, st := hostcall.DefineMetric(mt, name)
	if st != abi.StatusOK {
		logMetricErr(st, "define metric %q", name)
	}
	return id
}

func metricValue(id uint32) uint64 {
	v, st := hostcall.GetMetric(id)
	if st != abi.StatusOK {
		logMetricErr(st, "get metric %d", id)
	}
	return v
}

// DefineCounterMetric defines (or finds) the counter name.
func DefineCounterMetric(name string) MetricCounter {
	return MetricCounter(defineMetric(abi.MetricCounter, name))
}

// Value returns the counter's current value.
func (m MetricCounter) Value() uint64 { return metricValue(uint32(m)) }

// Increment adds offset to the counter.
func (m MetricCounter) Increment(offset uint64) {
	if st := hostcall.IncrementMetric(uint32(m), int64(offset)); st != abi.StatusOK {
		logMetricErr(st, "increment metric %d", uint32(m))
	}
}

// DefineGaugeMetric defines (or finds) the gauge name.
func DefineGaugeMetric(name string) MetricGauge {
	return MetricGauge(defineMetric(abi.MetricGauge, name))
}

// Value returns the gauge's current value.
func (m MetricGauge) Value() int64 { return int64(metricValue(uint32(m))) }

// Add adds offset (which may be negative) to the gauge.
func (m MetricGauge) Add(offset int64) {
	if st := hostcall.IncrementMetric(uint32(m), offset); st != abi.StatusOK {
		logMetricErr(st, "add to metric %d", uint32(m))
	}
}

// DefineHistogramMetric defines (or finds) the histogram name.
func DefineHistogramMetric(name string) MetricHistogram {
	return MetricHistogram(defineMetric(abi.MetricHistogram, name))
}

// Value returns what the host reports for the histogram.
func (m MetricHistogram) Value() uint64 { return metricValue(uint32(m)) }

// Record records one observation.
func (m MetricHistogram) Record(value uint64) {
	if st := hostcall.RecordMetric(uint32(m), value); st != abi.StatusOK {
		logMetricErr(st, "record metric %d", uint32(m))
	}
}
