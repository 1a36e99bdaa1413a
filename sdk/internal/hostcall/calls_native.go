//go:build !wasip1

package hostcall

import (
	"sync"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

var (
	mu      sync.RWMutex
	current Host = unimplemented{}
)

// SetHost installs h as the host that native builds forward to; nil restores
// the default, which answers StatusUnimplemented to everything.
func SetHost(h Host) {
	mu.Lock()
	defer mu.Unlock()
	if h == nil {
		h = unimplemented{}
	}
	current = h
}

func host() Host {
	mu.RLock()
	defer mu.RUnlock()
	return current
}

// Log is proxy_log.
func Log(level abi.LogLevel, msg string) abi.Status { return host().Log(level, msg) }

// GetLogLevel is proxy_get_log_level.
func GetLogLevel() (abi.LogLevel, abi.Status) { return host().GetLogLevel() }

// GetCurrentTimeNanoseconds is proxy_get_current_time_nanoseconds.
func GetCurrentTimeNanoseconds() (uint64, abi.Status) { return host().GetCurrentTimeNanoseconds() }

// SetTickPeriodMilliseconds is proxy_set_tick_period_milliseconds.
func SetTickPeriodMilliseconds(ms uint32) abi.Status { return host().SetTickPeriodMilliseconds(ms) }

// SetEffectiveContext is proxy_set_effective_context.
func SetEffectiveContext(id uint32) abi.Status { return host().SetEffectiveContext(id) }

// Done is proxy_done.
func Done() abi.Status { return host().Done() }

// GetBufferBytes is proxy_get_buffer_bytes.
func GetBufferBytes(bt abi.BufferType, start, maxSize uint32) ([]byte, abi.Status) {
	return host().GetBufferBytes(bt, start, maxSize)
}

// GetBufferStatus is proxy_get_buffer_status.
func GetBufferStatus(bt abi.BufferType) (uint32, uint32, abi.Status) {
	return host().GetBufferStatus(bt)
}

// SetBufferBytes is proxy_set_buffer_bytes.
func SetBufferBytes(bt abi.BufferType, start, size uint32, data []byte) abi.Status {
	return host().SetBufferBytes(bt, start, size, data)
}

// GetHeaderMapSize is proxy_get_header_map_size.
func GetHeaderMapSize(mt abi.MapType) (uint32, abi.Status) { return host().GetHeaderMapSize(mt) }

// GetHeaderMapPairs is proxy_get_header_map_pairs.
func GetHeaderMapPairs(mt abi.MapType) ([]byte, abi.Status) { return host().GetHeaderMapPairs(mt) }

// SetHeaderMapPairs is proxy_set_header_map_pairs.
func SetHeaderMapPairs(mt abi.MapType, serialized []byte) abi.Status {
	return host().SetHeaderMapPairs(mt, serialized)
}

// GetHeaderMapValue is proxy_get_header_map_value.
func GetHeaderMapValue(mt abi.MapType, key string) ([]byte, abi.Status) {
	return host().GetHeaderMapValue(mt, key)
}

// AddHeaderMapValue is proxy_add_header_map_value.
func AddHeaderMapValue(mt abi.MapType, key, value string) abi.Status {
	return host().AddHeaderMapValue(mt, key, value)
}

// ReplaceHeaderMapValue is proxy_replace_header_map_value.
func ReplaceHeaderMapValue(mt abi.MapType, key, value string) abi.Status {
	return host().ReplaceHeaderMapValue(mt, key, value)
}

// RemoveHeaderMapValue is proxy_remove_header_map_value.
func RemoveHeaderMapValue(mt abi.MapType, key string) abi.Status {
	return host().RemoveHeaderMapValue(mt, key)
}

// ContinueStream is proxy_continue_stream.
func ContinueStream(st abi.StreamType) abi.Status { return host().ContinueStream(st) }

// CloseStream is proxy_close_stream.
func CloseStream(st abi.StreamType) abi.Status { return host().CloseStream(st) }

// SendLocalResponse is proxy_send_local_response.
func SendLocalResponse(code uint32, details string, body, headers []byte, grpcStatus int32) abi.Status {
	return host().SendLocalResponse(code, details, body, headers, grpcStatus)
}

// HttpCall is proxy_http_call.
func HttpCall(upstream string, headers, body, trailers []byte, timeoutMs uint32) (uint32, abi.Status) {
	return host().HttpCall(upstream, headers, body, trailers, timeoutMs)
}

// GetSharedData is proxy_get_shared_data.
func GetSharedData(key string) ([]byte, uint32, abi.Status) { return host().GetSharedData(key) }

// SetSharedData is proxy_set_shared_data.
func SetSharedData(key string, value []byte, cas uint32) abi.Status {
	return host().SetSharedData(key, value, cas)
}

// RegisterSharedQueue is proxy_register_shared_queue.
func RegisterSharedQueue(name string) (uint32, abi.Status) { return host().RegisterSharedQueue(name) }

// ResolveSharedQueue is proxy_resolve_shared_queue.
func ResolveSharedQueue(vmID, name string) (uint32, abi.Status) {
	return host().ResolveSharedQueue(vmID, name)
}

// EnqueueSharedQueue is proxy_enqueue_shared_queue.
func EnqueueSharedQueue(id uint32, value []byte) abi.Status {
	return host().EnqueueSharedQueue(id, value)
}

// DequeueSharedQueue is proxy_dequeue_shared_queue.
func DequeueSharedQueue(id uint32) ([]byte, abi.Status) { return host().DequeueSharedQueue(id) }

// DefineMetric is proxy_define_metric.
func DefineMetric(mt abi.MetricType, name string) (uint32, abi.Status) {
	return host().DefineMetric(mt, name)
}

// RecordMetric is proxy_record_metric.
func RecordMetric(id uint32, value uint64) abi.Status { return host().RecordMetric(id, value) }

// IncrementMetric is proxy_increment_metric.
func IncrementMetric(id uint32, delta int64) abi.Status { return host().IncrementMetric(id, delta) }

// GetMetric is proxy_get_metric.
func GetMetric(id uint32) (uint64, abi.Status) { return host().GetMetric(id) }

// GetProperty is proxy_get_property.
func GetProperty(path []byte) ([]byte, abi.Status) { return host().GetProperty(path) }

// SetProperty is proxy_set_property.
func SetProperty(path, value []byte) abi.Status { return host().SetProperty(path, value) }

// CallForeignFunction is proxy_call_foreign_function.
func CallForeignFunction(name string, args []byte) ([]byte, abi.Status) {
	return host().CallForeignFunction(name, args)
}
