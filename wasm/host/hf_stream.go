package host

import (
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// localReply validates proxy_send_local_response's arguments.
func localReply(status uint32, details string, body []byte, headers []byte, grpcStatus int32) (*LocalResponse, abi.Status) {
	if status < 100 || status > 999 {
		return nil, abi.StatusBadArgument
	}
	pairs, err := abi.DecodeMap(headers)
	if err != nil {
		return nil, abi.StatusBadArgument
	}
	return &LocalResponse{Status: int(status), Headers: pairs, Body: body, Details: details, GRPCStatus: grpcStatus}, abi.StatusOK
}

func streamFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_continue_stream", i32s(1), func(in *instance, s []uint64) abi.Status {
			return in.streamOp(abi.StreamType(uint32(s[0])), false)
		}},
		{"proxy_close_stream", i32s(1), func(in *instance, s []uint64) abi.Status {
			return in.streamOp(abi.StreamType(uint32(s[0])), true)
		}},
		{"proxy_send_local_response", i32s(8), func(in *instance, s []uint64) abi.Status {
			cur := in.current()
			if cur == nil || cur.id == rootContextID {
				return abi.StatusNotFound
			}
			if cur.responseSent {
				return abi.StatusBadArgument
			}
			details, ok1 := readString(in.mem, uint32(s[1]), uint32(s[2]))
			body, ok2 := readCopy(in.mem, uint32(s[3]), uint32(s[4]))
			hdrs, ok3 := view(in.mem, uint32(s[5]), uint32(s[6]))
			if !ok1 || !ok2 || !ok3 {
				return abi.StatusInvalidMemoryAccess
			}
			lr, st := localReply(uint32(s[0]), details, body, hdrs, int32(uint32(s[7])))
			if st != abi.StatusOK {
				return st
			}
			if in.active == cur {
				cur.local = lr
				return abi.StatusOK
			}
			cur.responseSent, cur.paused = true, false
			if f := cur.cb.LocalReply; f != nil {
				in.pending = append(in.pending, func() { f(*lr) })
			}
			return abi.StatusOK
		}},
		{"proxy_get_status", i32s(3), func(in *instance, s []uint64) abi.Status {
			if in.callout == nil {
				return abi.StatusNotFound
			}
			code, msg := uint32(0), ""
			if in.callout.Err != nil {
				code, msg = 14, in.callout.Err.Error() // UNAVAILABLE
			}
			if !writeU32(in.mem, uint32(s[0]), code) {
				return abi.StatusInvalidMemoryAccess
			}
			return in.returnBytes([]byte(msg), uint32(s[1]), uint32(s[2]))
		}},
		{"proxy_set_effective_context", i32s(1), func(in *instance, s []uint64) abi.Status {
			id := uint32(s[0])
			if _, ok := in.contexts[id]; !ok {
				return abi.StatusBadArgument
			}
			in.effective = id
			return abi.StatusOK
		}},
		{"proxy_done", nil, func(in *instance, s []uint64) abi.Status {
			cur := in.current()
			if cur == nil || !cur.awaitingDone {
				return abi.StatusNotFound
			}
			cur.awaitingDone = false
			in.tasks.push(func(in *instance) { in.runAsync(func() { in.finish(cur) }) })
			return abi.StatusOK
		}},
	}
}

// streamOp queues the proxy's Resume or Close callback for the effective
// stream. A continue from inside the stream's own callback is a no-op: that
// callback's returned action decides.
func (in *instance) streamOp(t abi.StreamType, closeIt bool) abi.Status {
	if t > abi.StreamUpstream {
		return abi.StatusBadArgument
	}
	cur := in.current()
	if cur == nil || cur.id == rootContextID {
		return abi.StatusNotFound
	}
	f := cur.cb.Resume
	if closeIt {
		f = cur.cb.Close
	} else if in.active == cur {
		return abi.StatusOK
	} else if cur.pausedDir == t {
		cur.paused = false
	}
	if f != nil {
		in.pending = append(in.pending, func() { f(t) })
	}
	return abi.StatusOK
}
