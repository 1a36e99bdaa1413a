package hostcall

import "github.com/wasmesh/wasmesh/wasm/abi"

// Host is the host side of the ABI as plain Go calls. Natively the SDK's host
// functions forward to a Host; on wasip1 the real host is behind the imports.
// Returned slices belong to the caller.
type Host interface {
	Log(level abi.LogLevel, msg string) abi.Status
	GetLogLevel() (abi.LogLevel, abi.Status)
	GetCurrentTimeNanoseconds() (uint64, abi.Status)
	SetTickPeriodMilliseconds(ms uint32) abi.Status
	SetEffectiveContext(contextID uint32) abi.Status
	Done() abi.Status

	GetBufferBytes(bt abi.BufferType, start, maxSize uint32) ([]byte, abi.Status)
	GetBufferStatus(bt abi.BufferType) (size uint32, flags uint32, st abi.Status)
	SetBufferBytes(bt abi.BufferType, start, size uint32, data []byte) abi.Status

	GetHeaderMapSize(mt abi.MapType) (uint32, abi.Status)
	GetHeaderMapPairs(mt abi.MapType) ([]byte, abi.Status)
	SetHeaderMapPairs(mt abi.MapType, serialized []byte) abi.Status
	GetHeaderMapValue(mt abi.MapType, key string) ([]byte, abi.Status)
	AddHeaderMapValue(mt abi.MapType, key, value string) abi.Status
	ReplaceHeaderMapValue(mt abi.MapType, key, value string) abi.Status
	RemoveHeaderMapValue(mt abi.MapType, key string) abi.Status

	ContinueStream(st abi.StreamType) abi.Status
	CloseStream(st abi.StreamType) abi.Status
	SendLocalResponse(code uint32, details string, body, headers []byte, grpcStatus int32) abi.Status
	HttpCall(upstream string, headers, body, trailers []byte, timeoutMs uint32) (uint32, abi.Status)

	GetSharedData(key string) (value []byte, cas uint32, st abi.Status)
	SetSharedData(key string, value []byte, cas uint32) abi.Status
	RegisterSharedQueue(name string) (uint32, abi.Status)
	ResolveSharedQueue(vmID, name string) (uint32, abi.Status)
	EnqueueSharedQueue(queueID uint32, value []byte) abi.Status
	DequeueSharedQueue(queueID uint32) ([]byte, abi.Status)

	DefineMetric(mt abi.MetricType, name string) (uint32, abi.Status)
	RecordMetric(id uint32, value uint64) abi.Status
	IncrementMetric(id uint32, delta int64) abi.Status
	GetMetric(id uint32) (uint64, abi.Status)

	GetProperty(path []byte) ([]byte, abi.Status)
	SetProperty(path, value []byte) abi.Status
	CallForeignFunction(name string, args []byte) ([]byte, abi.Status)
}
