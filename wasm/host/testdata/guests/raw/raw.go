//go:build wasip1

// Package raw is a minimal proxy-wasm binding for the host's test guests:
// the env imports as //go:wasmimport and a few helpers. It is not the SDK.
package raw

import (
	"encoding/binary"
	"unsafe"
)

//go:wasmimport env proxy_log
func proxyLog(level, ptr, size uint32) uint32

//go:wasmimport env proxy_get_log_level
func proxyGetLogLevel(ret uint32) uint32

//go:wasmimport env proxy_get_current_time_nanoseconds
func proxyGetTime(ret uint32) uint32

//go:wasmimport env proxy_set_tick_period_milliseconds
func ProxySetTickPeriod(ms uint32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func proxyGetBufferBytes(bt, start, max, retPtr, retSize uint32) uint32

//go:wasmimport env proxy_set_buffer_bytes
func proxySetBufferBytes(bt, start, size, ptr, n uint32) uint32

//go:wasmimport env proxy_get_buffer_status
func proxyGetBufferStatus(bt, lenPtr, flagsPtr uint32) uint32

//go:wasmimport env proxy_get_header_map_size
func proxyGetHeaderMapSize(mt, ret uint32) uint32

//go:wasmimport env proxy_get_header_map_pairs
func proxyGetHeaderMapPairs(mt, retPtr, retSize uint32) uint32

//go:wasmimport env proxy_set_header_map_pairs
func proxySetHeaderMapPairs(mt, ptr, size uint32) uint32

//go:wasmimport env proxy_get_header_map_value
func proxyGetHeaderMapValue(mt, kp, kn, retPtr, retSize uint32) uint32

//go:wasmimport env proxy_add_header_map_value
func proxyAddHeaderMapValue(mt, kp, kn, vp, vn uint32) uint32

//go:wasmimport env proxy_replace_header_map_value
func proxyReplaceHeaderMapValue(mt, kp, kn, vp, vn uint32) uint32

//go:wasmimport env proxy_remove_header_map_value
func proxyRemoveHeaderMapValue(mt, kp, kn uint32) uint32

//go:wasmimport env proxy_continue_stream
func ProxyContinueStream(t uint32) uint32

//go:wasmimport env proxy_close_stream
func ProxyCloseStream(t uint32) uint32

//go:wasmimport env proxy_send_local_response
func proxySendLocalResponse(status, dp, dn, bp, bn, hp, hn, grpc uint32) uint32

//go:wasmimport env proxy_get_status
func proxyGetStatus(codePtr, msgPtr, msgSize uint32) uint32

//go:wasmimport env proxy_http_call
func proxyHTTPCall(up, un, hp, hn, bp, bn, tp, tn, timeout, idPtr uint32) uint32

//go:wasmimport env proxy_grpc_call
func proxyGRPCCall(a, b, c, d, e, f, g, h, i, j, k, l uint32) uint32

//go:wasmimport env proxy_set_shared_data
func proxySetSharedData(kp, kn, vp, vn, cas uint32) uint32

//go:wasmimport env proxy_get_shared_data
func proxyGetSharedData(kp, kn, retPtr, retSize, casPtr uint32) uint32

//go:wasmimport env proxy_register_shared_queue
func proxyRegisterSharedQueue(np, nn, idPtr uint32) uint32

//go:wasmimport env proxy_resolve_shared_queue
func proxyResolveSharedQueue(vp, vn, np, nn, idPtr uint32) uint32

//go:wasmimport env proxy_enqueue_shared_queue
func proxyEnqueueSharedQueue(id, vp, vn uint32) uint32

//go:wasmimport env proxy_dequeue_shared_queue
func proxyDequeueSharedQueue(id, retPtr, retSize uint32) uint32

//go:wasmimport env proxy_define_metric
func proxyDefineMetric(t, np, nn, idPtr uint32) uint32

//go:wasmimport env proxy_record_metric
func ProxyRecordMetric(id uint32, v uint64) uint32

//go:wasmimport env proxy_increment_metric
func ProxyIncrementMetric(id uint32, d int64) uint32

//go:wasmimport env proxy_get_metric
func proxyGetMetric(id, ret uint32) uint32

//go:wasmimport env proxy_get_property
func proxyGetProperty(pp, pn, retPtr, retSize uint32) uint32

//go:wasmimport env proxy_set_property
func proxySetProperty(pp, pn, vp, vn uint32) uint32

//go:wasmimport env proxy_call_foreign_function
func proxyCallForeign(np, nn, ap, an, retPtr, retSize uint32) uint32

//go:wasmimport env proxy_set_effective_context
func ProxySetEffectiveContext(id uint32) uint32

//go:wasmimport env proxy_done
func ProxyDone() uint32

// pins keeps host-written allocations alive until Unpin.
var pins [][]byte

// Alloc backs proxy_on_memory_allocate.
func Alloc(size uint32) uint32 {
	b := make([]byte, size)
	pins = append(pins, b)
	return ptr(b)
}

// Unpin drops the allocations (call at the start of each callback).
func Unpin() { pins = pins[:0] }

func ptr(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

func sptr(s string) uint32 {
	if s == "" {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

func u32p(v *uint32) uint32 { return uint32(uintptr(unsafe.Pointer(v))) }

// Out-parameters live in globals: a stack variable may move when the host
// re-enters the guest (the allocator can grow the goroutine stack).
var outA, outB, outC uint32
var out64 uint64

func bytesAt(p, n uint32) []byte {
	if n == 0 {
		return nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(uintptr(p))), n)...)
}

// Log logs msg at level.
func Log(level uint32, msg string) uint32 { return proxyLog(level, sptr(msg), uint32(len(msg))) }

// LogLevel is proxy_get_log_level.
func LogLevel() (uint32, uint32) {
	l := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetLogLevel(u32p(l))
	return *l, st
}

// Now is proxy_get_current_time_nanoseconds.
func Now() uint64 {
	t := &out64
	outA, outB, outC, out64 = 0, 0, 0, 0
	proxyGetTime(uint32(uintptr(unsafe.Pointer(t))))
	return *t
}

// GetBuffer is proxy_get_buffer_bytes.
func GetBuffer(bt, start, max uint32) ([]byte, uint32) {
	p, n := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetBufferBytes(bt, start, max, u32p(p), u32p(n))
	return bytesAt(*p, *n), st
}

// SetBuffer is proxy_set_buffer_bytes.
func SetBuffer(bt, start, size uint32, v []byte) uint32 {
	return proxySetBufferBytes(bt, start, size, ptr(v), uint32(len(v)))
}

// BufferLen is proxy_get_buffer_status's length.
func BufferLen(bt uint32) (uint32, uint32) {
	n, f := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetBufferStatus(bt, u32p(n), u32p(f))
	return *n, st
}

// MapSize is proxy_get_header_map_size.
func MapSize(mt uint32) uint32 {
	n := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	proxyGetHeaderMapSize(mt, u32p(n))
	return *n
}

// Pairs is proxy_get_header_map_pairs, decoded.
func Pairs(mt uint32) ([][2]string, uint32) {
	p, n := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetHeaderMapPairs(mt, u32p(p), u32p(n))
	if st != 0 {
		return nil, st
	}
	return DecodeMap(bytesAt(*p, *n)), 0
}

// SetPairs is proxy_set_header_map_pairs.
func SetPairs(mt uint32, pairs [][2]string) uint32 {
	b := EncodeMap(pairs)
	return proxySetHeaderMapPairs(mt, ptr(b), uint32(len(b)))
}

// Get is proxy_get_header_map_value.
func Get(mt uint32, k string) (string, uint32) {
	p, n := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetHeaderMapValue(mt, sptr(k), uint32(len(k)), u32p(p), u32p(n))
	return string(bytesAt(*p, *n)), st
}

// Add is proxy_add_header_map_value.
func Add(mt uint32, k, v string) uint32 {
	return proxyAddHeaderMapValue(mt, sptr(k), uint32(len(k)), sptr(v), uint32(len(v)))
}

// Replace is proxy_replace_header_map_value.
func Replace(mt uint32, k, v string) uint32 {
	return proxyReplaceHeaderMapValue(mt, sptr(k), uint32(len(k)), sptr(v), uint32(len(v)))
}

// Remove is proxy_remove_header_map_value.
func Remove(mt uint32, k string) uint32 {
	return proxyRemoveHeaderMapValue(mt, sptr(k), uint32(len(k)))
}

// SendLocal is proxy_send_local_response.
func SendLocal(status uint32, details string, body string, hdrs [][2]string, grpc int32) uint32 {
	h := EncodeMap(hdrs)
	return proxySendLocalResponse(status, sptr(details), uint32(len(details)), sptr(body), uint32(len(body)), ptr(h), uint32(len(h)), uint32(grpc))
}

// Status is proxy_get_status.
func Status() (uint32, string, uint32) {
	code, p, n := &outA, &outB, &outC
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetStatus(u32p(code), u32p(p), u32p(n))
	return *code, string(bytesAt(*p, *n)), st
}

// HTTPCall is proxy_http_call.
func HTTPCall(cluster string, hdrs [][2]string, body string, timeoutMS uint32) (uint32, uint32) {
	h := EncodeMap(hdrs)
	id := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyHTTPCall(sptr(cluster), uint32(len(cluster)), ptr(h), uint32(len(h)), sptr(body), uint32(len(body)), 0, 0, timeoutMS, u32p(id))
	return *id, st
}

// GRPCCall is proxy_grpc_call with empty arguments.
func GRPCCall() uint32 {
	id := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	return proxyGRPCCall(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000, u32p(id))
}

// SetShared is proxy_set_shared_data.
func SetShared(k string, v []byte, cas uint32) uint32 {
	return proxySetSharedData(sptr(k), uint32(len(k)), ptr(v), uint32(len(v)), cas)
}

// GetShared is proxy_get_shared_data.
func GetShared(k string) ([]byte, uint32, uint32) {
	p, n, cas := &outA, &outB, &outC
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetSharedData(sptr(k), uint32(len(k)), u32p(p), u32p(n), u32p(cas))
	return bytesAt(*p, *n), *cas, st
}

// RegisterQueue is proxy_register_shared_queue.
func RegisterQueue(name string) (uint32, uint32) {
	id := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyRegisterSharedQueue(sptr(name), uint32(len(name)), u32p(id))
	return *id, st
}

// ResolveQueue is proxy_resolve_shared_queue.
func ResolveQueue(vm, name string) (uint32, uint32) {
	id := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyResolveSharedQueue(sptr(vm), uint32(len(vm)), sptr(name), uint32(len(name)), u32p(id))
	return *id, st
}

// Enqueue is proxy_enqueue_shared_queue.
func Enqueue(id uint32, v []byte) uint32 { return proxyEnqueueSharedQueue(id, ptr(v), uint32(len(v))) }

// Dequeue is proxy_dequeue_shared_queue.
func Dequeue(id uint32) ([]byte, uint32) {
	p, n := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyDequeueSharedQueue(id, u32p(p), u32p(n))
	return bytesAt(*p, *n), st
}

// DefineMetric is proxy_define_metric.
func DefineMetric(t uint32, name string) (uint32, uint32) {
	id := &outA
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyDefineMetric(t, sptr(name), uint32(len(name)), u32p(id))
	return *id, st
}

// GetMetric is proxy_get_metric.
func GetMetric(id uint32) (uint64, uint32) {
	v := &out64
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetMetric(id, uint32(uintptr(unsafe.Pointer(v))))
	return *v, st
}

// Property is proxy_get_property with path tokens.
func Property(path ...string) (string, uint32) {
	p := joinPath(path)
	vp, vn := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyGetProperty(ptr(p), uint32(len(p)), u32p(vp), u32p(vn))
	return string(bytesAt(*vp, *vn)), st
}

// SetProperty is proxy_set_property.
func SetProperty(v string, path ...string) uint32 {
	p := joinPath(path)
	return proxySetProperty(ptr(p), uint32(len(p)), sptr(v), uint32(len(v)))
}

func joinPath(path []string) []byte {
	var b []byte
	for i, t := range path {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, t...)
	}
	return b
}

// CallForeign is proxy_call_foreign_function.
func CallForeign(name string, args []byte) ([]byte, uint32) {
	p, n := &outA, &outB
	outA, outB, outC, out64 = 0, 0, 0, 0
	st := proxyCallForeign(sptr(name), uint32(len(name)), ptr(args), uint32(len(args)), u32p(p), u32p(n))
	return bytesAt(*p, *n), st
}

// EncodeMap serializes pairs in the proxy-wasm map format.
func EncodeMap(pairs [][2]string) []byte {
	if len(pairs) == 0 {
		return nil
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(pairs)))
	for _, p := range pairs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[0])))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[1])))
	}
	for _, p := range pairs {
		b = append(append(b, p[0]...), 0)
		b = append(append(b, p[1]...), 0)
	}
	return b
}

// DecodeMap parses the proxy-wasm map format (trusted input from the host).
func DecodeMap(b []byte) [][2]string {
	if len(b) < 4 {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(b))
	out := make([][2]string, n)
	off := 4 + 8*n
	for i := range out {
		kl := int(binary.LittleEndian.Uint32(b[4+8*i:]))
		vl := int(binary.LittleEndian.Uint32(b[8+8*i:]))
		out[i][0] = string(b[off : off+kl])
		off += kl + 1
		out[i][1] = string(b[off : off+vl])
		off += vl + 1
	}
	return out
}
