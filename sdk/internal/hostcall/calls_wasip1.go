//go:build wasip1

package hostcall

import "github.com/wasmesh/wasmesh/wasm/abi"

func u32(n int) uint32 { return uint32(n) }

// out holds the host's out-parameters. A local whose address goes to an
// import escapes to the heap (an allocation per call), and a stack slot
// would not do either: the host may call proxy_on_memory_allocate before it
// writes them, and a stack that grows in that callback moves. A package
// variable never moves; the guest runs one call at a time and Allocate makes
// no host call, so one set serves every function. Each caller reads it back
// at once.
var out struct {
	p, n, x uint32
	u       uint64
}

// data finishes a host call that returns a block: on OK it picks the block up,
// otherwise it drops whatever the host allocated.
func data(st uint32, p, size uint32) ([]byte, abi.Status) {
	if abi.Status(st) != abi.StatusOK {
		drop()
		return nil, abi.Status(st)
	}
	b, ok := take(p, size)
	if !ok {
		return nil, abi.StatusInvalidMemoryAccess
	}
	return b, abi.StatusOK
}

// Log is proxy_log.
func Log(level abi.LogLevel, msg string) abi.Status {
	return abi.Status(proxyLog(uint32(level), sptr(msg), u32(len(msg))))
}

// GetLogLevel is proxy_get_log_level.
func GetLogLevel() (abi.LogLevel, abi.Status) {
	st := proxyGetLogLevel(&out.x)
	return abi.LogLevel(out.x), abi.Status(st)
}

// GetCurrentTimeNanoseconds is proxy_get_current_time_nanoseconds.
func GetCurrentTimeNanoseconds() (uint64, abi.Status) {
	st := proxyGetCurrentTimeNanoseconds(&out.u)
	return out.u, abi.Status(st)
}

// SetTickPeriodMilliseconds is proxy_set_tick_period_milliseconds.
func SetTickPeriodMilliseconds(ms uint32) abi.Status {
	return abi.Status(proxySetTickPeriodMilliseconds(ms))
}

// SetEffectiveContext is proxy_set_effective_context.
func SetEffectiveContext(id uint32) abi.Status { return abi.Status(proxySetEffectiveContext(id)) }

// Done is proxy_done.
func Done() abi.Status { return abi.Status(proxyDone()) }

// GetBufferBytes is proxy_get_buffer_bytes.
func GetBufferBytes(bt abi.BufferType, start, maxSize uint32) ([]byte, abi.Status) {
	st := proxyGetBufferBytes(uint32(bt), start, maxSize, &out.p, &out.n)
	return data(st, out.p, out.n)
}

// GetBufferStatus is proxy_get_buffer_status.
func GetBufferStatus(bt abi.BufferType) (uint32, uint32, abi.Status) {
	st := proxyGetBufferStatus(uint32(bt), &out.n, &out.x)
	return out.n, out.x, abi.Status(st)
}

// SetBufferBytes is proxy_set_buffer_bytes.
func SetBufferBytes(bt abi.BufferType, start, size uint32, b []byte) abi.Status {
	return abi.Status(proxySetBufferBytes(uint32(bt), start, size, ptr(b), u32(len(b))))
}

// GetHeaderMapSize is proxy_get_header_map_size.
func GetHeaderMapSize(mt abi.MapType) (uint32, abi.Status) {
	st := proxyGetHeaderMapSize(uint32(mt), &out.n)
	return out.n, abi.Status(st)
}

// GetHeaderMapPairs is proxy_get_header_map_pairs.
func GetHeaderMapPairs(mt abi.MapType) ([]byte, abi.Status) {
	st := proxyGetHeaderMapPairs(uint32(mt), &out.p, &out.n)
	return data(st, out.p, out.n)
}

// SetHeaderMapPairs is proxy_set_header_map_pairs.
func SetHeaderMapPairs(mt abi.MapType, serialized []byte) abi.Status {
	return abi.Status(proxySetHeaderMapPairs(uint32(mt), ptr(serialized), u32(len(serialized))))
}

// GetHeaderMapValue is proxy_get_header_map_value.
func GetHeaderMapValue(mt abi.MapType, key string) ([]byte, abi.Status) {
	st := proxyGetHeaderMapValue(uint32(mt), sptr(key), u32(len(key)), &out.p, &out.n)
	return data(st, out.p, out.n)
}

// AddHeaderMapValue is proxy_add_header_map_value.
func AddHeaderMapValue(mt abi.MapType, key, value string) abi.Status {
	return abi.Status(proxyAddHeaderMapValue(uint32(mt), sptr(key), u32(len(key)), sptr(value), u32(len(value))))
}

// ReplaceHeaderMapValue is proxy_replace_header_map_value.
func ReplaceHeaderMapValue(mt abi.MapType, key, value string) abi.Status {
	return abi.Status(proxyReplaceHeaderMapValue(uint32(mt), sptr(key), u32(len(key)), sptr(value), u32(len(value))))
}

// RemoveHeaderMapValue is proxy_remove_header_map_value.
func RemoveHeaderMapValue(mt abi.MapType, key string) abi.Status {
	return abi.Status(proxyRemoveHeaderMapValue(uint32(mt), sptr(key), u32(len(key))))
}

// ContinueStream is proxy_continue_stream.
func ContinueStream(st abi.StreamType) abi.Status { return abi.Status(proxyContinueStream(uint32(st))) }

// CloseStream is proxy_close_stream.
func CloseStream(st abi.StreamType) abi.Status { return abi.Status(proxyCloseStream(uint32(st))) }

// SendLocalResponse is proxy_send_local_response.
func SendLocalResponse(code uint32, details string, body, headers []byte, grpcStatus int32) abi.Status {
	return abi.Status(proxySendLocalResponse(code, sptr(details), u32(len(details)),
		ptr(body), u32(len(body)), ptr(headers), u32(len(headers)), grpcStatus))
}

// HttpCall is proxy_http_call.
func HttpCall(upstream string, headers, body, trailers []byte, timeoutMs uint32) (uint32, abi.Status) {
	st := proxyHttpCall(sptr(upstream), u32(len(upstream)), ptr(headers), u32(len(headers)),
		ptr(body), u32(len(body)), ptr(trailers), u32(len(trailers)), timeoutMs, &out.x)
	return out.x, abi.Status(st)
}

// GetSharedData is proxy_get_shared_data.
func GetSharedData(key string) ([]byte, uint32, abi.Status) {
	st := proxyGetSharedData(sptr(key), u32(len(key)), &out.p, &out.n, &out.x)
	cas := out.x
	b, s := data(st, out.p, out.n)
	return b, cas, s
}

// SetSharedData is proxy_set_shared_data.
func SetSharedData(key string, value []byte, cas uint32) abi.Status {
	return abi.Status(proxySetSharedData(sptr(key), u32(len(key)), ptr(value), u32(len(value)), cas))
}

// RegisterSharedQueue is proxy_register_shared_queue.
func RegisterSharedQueue(name string) (uint32, abi.Status) {
	st := proxyRegisterSharedQueue(sptr(name), u32(len(name)), &out.x)
	return out.x, abi.Status(st)
}

// ResolveSharedQueue is proxy_resolve_shared_queue.
func ResolveSharedQueue(vmID, name string) (uint32, abi.Status) {
	st := proxyResolveSharedQueue(sptr(vmID), u32(len(vmID)), sptr(name), u32(len(name)), &out.x)
	return out.x, abi.Status(st)
}

// EnqueueSharedQueue is proxy_enqueue_shared_queue.
func EnqueueSharedQueue(id uint32, value []byte) abi.Status {
	return abi.Status(proxyEnqueueSharedQueue(id, ptr(value), u32(len(value))))
}

// DequeueSharedQueue is proxy_dequeue_shared_queue.
func DequeueSharedQueue(id uint32) ([]byte, abi.Status) {
	st := proxyDequeueSharedQueue(id, &out.p, &out.n)
	return data(st, out.p, out.n)
}

// DefineMetric is proxy_define_metric.
func DefineMetric(mt abi.MetricType, name string) (uint32, abi.Status) {
	st := proxyDefineMetric(uint32(mt), sptr(name), u32(len(name)), &out.x)
	return out.x, abi.Status(st)
}

// RecordMetric is proxy_record_metric.
func RecordMetric(id uint32, value uint64) abi.Status {
	return abi.Status(proxyRecordMetric(id, value))
}

// IncrementMetric is proxy_increment_metric.
func IncrementMetric(id uint32, delta int64) abi.Status {
	return abi.Status(proxyIncrementMetric(id, delta))
}

// GetMetric is proxy_get_metric.
func GetMetric(id uint32) (uint64, abi.Status) {
	st := proxyGetMetric(id, &out.u)
	return out.u, abi.Status(st)
}

// GetProperty is proxy_get_property.
func GetProperty(path []byte) ([]byte, abi.Status) {
	st := proxyGetProperty(ptr(path), u32(len(path)), &out.p, &out.n)
	return data(st, out.p, out.n)
}

// SetProperty is proxy_set_property.
func SetProperty(path, value []byte) abi.Status {
	return abi.Status(proxySetProperty(ptr(path), u32(len(path)), ptr(value), u32(len(value))))
}

// CallForeignFunction is proxy_call_foreign_function.
func CallForeignFunction(name string, args []byte) ([]byte, abi.Status) {
	st := proxyCallForeignFunction(sptr(name), u32(len(name)), ptr(args), u32(len(args)), &out.p, &out.n)
	return data(st, out.p, out.n)
}
