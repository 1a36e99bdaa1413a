package host

import (
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// buffer returns the buffer bt of the effective context; readOnly buffers
// (configurations) refuse writes.
func (in *instance) buffer(bt abi.BufferType) (buf *[]byte, readOnly bool, st abi.Status) {
	cur := in.current()
	switch bt {
	case abi.BufferVMConfiguration:
		return &in.p.cfg.VMConfiguration, true, abi.StatusOK
	case abi.BufferPluginConfiguration:
		return &in.p.cfg.Configuration, true, abi.StatusOK
	case abi.BufferHTTPCallResponseBody:
		if in.callout == nil {
			return nil, false, abi.StatusNotFound
		}
		return &in.callout.Body, false, abi.StatusOK
	case abi.BufferHTTPRequestBody, abi.BufferHTTPResponseBody, abi.BufferDownstreamData, abi.BufferUpstreamData:
		if cur == nil {
			return nil, false, abi.StatusNotFound
		}
		b := [...]*[]byte{cur.reqBody, cur.respBody, cur.downData, cur.upData}[bt]
		if b == nil {
			return nil, false, abi.StatusNotFound
		}
		return b, false, abi.StatusOK
	case abi.BufferForeignFunctionArgs:
		if in.foreignArgs == nil {
			return nil, false, abi.StatusNotFound
		}
		return in.foreignArgs, true, abi.StatusOK
	case abi.BufferGRPCCallMessage:
		return nil, false, abi.StatusNotFound
	}
	return nil, false, abi.StatusBadArgument
}

// sliceBuffer is proxy_get_buffer_bytes's window: [start, start+max)
// clamped to the buffer.
func sliceBuffer(b []byte, start, max uint32) []byte {
	if uint64(start) >= uint64(len(b)) {
		return nil
	}
	end := min(uint64(start)+uint64(max), uint64(len(b)))
	return b[start:end]
}

// spliceBuffer is proxy_set_buffer_bytes: replace [start, start+size)
// (clamped) with v. start=0,size=0 prepends; start>=len appends; start=0,
// size>=len replaces. It returns a new slice; b is not modified.
func spliceBuffer(b []byte, start, size uint32, v []byte) []byte {
	s := min(uint64(start), uint64(len(b)))
	e := min(s+uint64(size), uint64(len(b)))
	out := make([]byte, 0, uint64(len(b))-(e-s)+uint64(len(v)))
	out = append(out, b[:s]...)
	out = append(out, v...)
	return append(out, b[e:]...)
}

func bufferFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_get_buffer_bytes", i32s(5), func(in *instance, s []uint64) abi.Status {
			buf, _, st := in.buffer(abi.BufferType(uint32(s[0])))
			if st != abi.StatusOK {
				return st
			}
			return in.returnBytes(sliceBuffer(*buf, uint32(s[1]), uint32(s[2])), uint32(s[3]), uint32(s[4]))
		}},
		{"proxy_set_buffer_bytes", i32s(5), func(in *instance, s []uint64) abi.Status {
			buf, ro, st := in.buffer(abi.BufferType(uint32(s[0])))
			if st != abi.StatusOK {
				return st
			}
			v, ok := view(in.mem, uint32(s[3]), uint32(s[4]))
			if !ok {
				return abi.StatusInvalidMemoryAccess
			}
			if ro {
				return abi.StatusBadArgument
			}
			*buf = spliceBuffer(*buf, uint32(s[1]), uint32(s[2]), v)
			return abi.StatusOK
		}},
		{"proxy_get_buffer_status", i32s(3), func(in *instance, s []uint64) abi.Status {
			buf, _, st := in.buffer(abi.BufferType(uint32(s[0])))
			if st != abi.StatusOK {
				return st
			}
			if !writeU32(in.mem, uint32(s[1]), uint32(len(*buf))) || !writeU32(in.mem, uint32(s[2]), 0) {
				return abi.StatusInvalidMemoryAccess
			}
			return abi.StatusOK
		}},
	}
}
