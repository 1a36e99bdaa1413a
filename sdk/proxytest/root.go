//go:build !wasip1

package proxytest

import (
	"fmt"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

func (e *hostEmulator) Log(level abi.LogLevel, msg string) abi.Status {
	if level > abi.LogCritical {
		return abi.StatusBadArgument
	}
	e.logs[level] = append(e.logs[level], msg)
	return abi.StatusOK
}

func (e *hostEmulator) GetLogLevel() (abi.LogLevel, abi.Status) { return e.opt.logLevel, abi.StatusOK }

func (e *hostEmulator) GetCurrentTimeNanoseconds() (uint64, abi.Status) {
	return uint64(time.Now().UnixNano()), abi.StatusOK
}

func (e *hostEmulator) SetTickPeriodMilliseconds(ms uint32) abi.Status {
	e.tickPeriod = ms
	return abi.StatusOK
}

func (e *hostEmulator) SetEffectiveContext(id uint32) abi.Status {
	if id != PluginContextID && e.https[id] == nil && e.tcps[id] == nil {
		return abi.StatusBadArgument
	}
	e.effective = id
	return abi.StatusOK
}

func (e *hostEmulator) GetTraceLogs() []string    { return e.logs[abi.LogTrace] }
func (e *hostEmulator) GetDebugLogs() []string    { return e.logs[abi.LogDebug] }
func (e *hostEmulator) GetInfoLogs() []string     { return e.logs[abi.LogInfo] }
func (e *hostEmulator) GetWarnLogs() []string     { return e.logs[abi.LogWarn] }
func (e *hostEmulator) GetErrorLogs() []string    { return e.logs[abi.LogError] }
func (e *hostEmulator) GetCriticalLogs() []string { return e.logs[abi.LogCritical] }

type sharedValue struct {
	data []byte
	cas  uint32
}

func (e *hostEmulator) GetSharedData(key string) ([]byte, uint32, abi.Status) {
	v, ok := e.shared[key]
	if !ok {
		return nil, 0, abi.StatusNotFound
	}
	return clone(v.data), v.cas, abi.StatusOK
}

// SetSharedData writes unconditionally for cas 0, else only if cas matches;
// every write moves the key's CAS token on.
func (e *hostEmulator) SetSharedData(key string, value []byte, cas uint32) abi.Status {
	v, ok := e.shared[key]
	if !ok {
		v = &sharedValue{}
		e.shared[key] = v
	} else if cas != 0 && cas != v.cas {
		return abi.StatusCASMismatch
	}
	v.data = clone(value)
	v.cas++
	return abi.StatusOK
}

type queue struct {
	owner uint32
	items [][]byte
}

func (e *hostEmulator) RegisterSharedQueue(name string) (uint32, abi.Status) {
	if id, ok := e.qByName[name]; ok {
		e.queues[id].owner = e.effective
		return id, abi.StatusOK
	}
	id := uint32(len(e.queues) + 1)
	e.queues[id] = &queue{owner: e.effective}
	e.qByName[name] = id
	return id, abi.StatusOK
}

// ResolveSharedQueue finds queues by name; the emulator hosts a single VM id,
// so vmID is not consulted.
func (e *hostEmulator) ResolveSharedQueue(_, name string) (uint32, abi.Status) {
	if id, ok := e.qByName[name]; ok {
		return id, abi.StatusOK
	}
	return 0, abi.StatusNotFound
}

func (e *hostEmulator) EnqueueSharedQueue(id uint32, value []byte) abi.Status {
	q := e.queues[id]
	if q == nil {
		return abi.StatusNotFound
	}
	q.items = append(q.items, clone(value))
	e.ready = append(e.ready, id)
	return abi.StatusOK
}

func (e *hostEmulator) DequeueSharedQueue(id uint32) ([]byte, abi.Status) {
	q := e.queues[id]
	if q == nil {
		return nil, abi.StatusNotFound
	}
	if len(q.items) == 0 {
		return nil, abi.StatusEmpty
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, abi.StatusOK
}

func (e *hostEmulator) GetQueueSize(id uint32) int {
	if q := e.queues[id]; q != nil {
		return len(q.items)
	}
	return 0
}

type metric struct {
	kind  abi.MetricType
	name  string
	value uint64
}

// DefineMetric returns the existing id for a name already defined with the
// same type.
func (e *hostEmulator) DefineMetric(mt abi.MetricType, name string) (uint32, abi.Status) {
	if mt > abi.MetricHistogram || name == "" {
		return 0, abi.StatusBadArgument
	}
	if id, ok := e.metricsByName[name]; ok {
		if e.metrics[id-1].kind != mt {
			return 0, abi.StatusBadArgument
		}
		return id, abi.StatusOK
	}
	e.metrics = append(e.metrics, &metric{kind: mt, name: name})
	id := uint32(len(e.metrics))
	e.metricsByName[name] = id
	return id, abi.StatusOK
}

func (e *hostEmulator) metric(id uint32) *metric {
	if id == 0 || int(id) > len(e.metrics) {
		return nil
	}
	return e.metrics[id-1]
}

// RecordMetric adds to a counter, sets a gauge and observes a histogram, as
// Envoy does.
func (e *hostEmulator) RecordMetric(id uint32, value uint64) abi.Status {
	m := e.metric(id)
	if m == nil {
		return abi.StatusNotFound
	}
	switch m.kind {
	case abi.MetricCounter:
		m.value += value
	case abi.MetricGauge:
		m.value = value
	default:
		m.value += value // a histogram keeps the sum of its observations
	}
	return abi.StatusOK
}

// IncrementMetric rejects decrementing a counter, as proxies do.
func (e *hostEmulator) IncrementMetric(id uint32, delta int64) abi.Status {
	m := e.metric(id)
	if m == nil {
		return abi.StatusNotFound
	}
	if m.kind == abi.MetricHistogram || (m.kind == abi.MetricCounter && delta < 0) {
		return abi.StatusBadArgument
	}
	m.value = uint64(int64(m.value) + delta)
	return abi.StatusOK
}

// GetMetric reads counters and gauges; histograms have no single value.
func (e *hostEmulator) GetMetric(id uint32) (uint64, abi.Status) {
	m := e.metric(id)
	switch {
	case m == nil:
		return 0, abi.StatusNotFound
	case m.kind == abi.MetricHistogram:
		return 0, abi.StatusBadArgument
	}
	return m.value, abi.StatusOK
}

func (e *hostEmulator) metricByName(kind abi.MetricType, name string) (uint64, error) {
	id, ok := e.metricsByName[name]
	if !ok || e.metrics[id-1].kind != kind {
		return 0, fmt.Errorf("proxytest: no %v metric %q: %w", kind, name, types.ErrorStatusNotFound)
	}
	return e.metrics[id-1].value, nil
}

func (e *hostEmulator) GetCounterMetric(name string) (uint64, error) {
	return e.metricByName(abi.MetricCounter, name)
}

func (e *hostEmulator) GetGaugeMetric(name string) (uint64, error) {
	return e.metricByName(abi.MetricGauge, name)
}

func (e *hostEmulator) GetHistogramMetric(name string) (uint64, error) {
	return e.metricByName(abi.MetricHistogram, name)
}

func (e *hostEmulator) GetProperty(path []string) ([]byte, error) {
	v, ok := e.opt.properties[propertyKey(path)]
	if !ok {
		return nil, types.ErrorStatusNotFound
	}
	return clone(v), nil
}

func (e *hostEmulator) SetProperty(path []string, data []byte) error {
	e.opt.properties[propertyKey(path)] = clone(data)
	return nil
}

// abiHost is the emulator as the SDK's hostcall.Host. It exists because
// property access has different signatures on the two sides: the ABI passes
// NUL-separated paths and statuses.
type abiHost struct{ *hostEmulator }

var _ hostcall.Host = abiHost{}

func (a abiHost) GetProperty(path []byte) ([]byte, abi.Status) {
	v, ok := a.opt.properties[propertyKey(abi.DecodePropertyPath(path))]
	if !ok {
		return nil, abi.StatusNotFound
	}
	return clone(v), abi.StatusOK
}

func (a abiHost) SetProperty(path, value []byte) abi.Status {
	if len(path) == 0 {
		return abi.StatusBadArgument
	}
	a.opt.properties[propertyKey(abi.DecodePropertyPath(path))] = clone(value)
	return abi.StatusOK
}

func (e *hostEmulator) RegisterForeignFunction(name string, f func([]byte) []byte) {
	e.foreign[name] = f
}

func (e *hostEmulator) CallForeignFunction(name string, args []byte) ([]byte, abi.Status) {
	f, ok := e.foreign[name]
	if !ok {
		return nil, abi.StatusNotFound
	}
	return f(clone(args)), abi.StatusOK
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
