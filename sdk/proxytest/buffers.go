//go:build !wasip1

package proxytest

import "github.com/wasmesh/wasmesh/wasm/abi"

// buffer returns the buffer a host call addresses and whether the guest may
// change it.
func (e *hostEmulator) buffer(bt abi.BufferType) (b *[]byte, mutable bool) {
	switch bt {
	case abi.BufferVMConfiguration:
		return &e.opt.vmConfiguration, false
	case abi.BufferPluginConfiguration:
		return &e.opt.pluginConfiguration, false
	case abi.BufferHTTPCallResponseBody:
		if e.callResponse != nil {
			return &e.callResponse.body, false
		}
	case abi.BufferHTTPRequestBody, abi.BufferHTTPResponseBody:
		if s := e.https[e.effective]; s != nil {
			if bt == abi.BufferHTTPRequestBody {
				return &s.reqBody, true
			}
			return &s.respBody, true
		}
	case abi.BufferDownstreamData, abi.BufferUpstreamData:
		if s := e.tcps[e.effective]; s != nil {
			if bt == abi.BufferDownstreamData {
				return &s.downstream, true
			}
			return &s.upstream, true
		}
	}
	return nil, false
}

func (e *hostEmulator) GetBufferBytes(bt abi.BufferType, start, maxSize uint32) ([]byte, abi.Status) {
	b, _ := e.buffer(bt)
	if b == nil {
		return nil, abi.StatusNotFound
	}
	n := uint64(len(*b))
	if uint64(start) > n {
		return nil, abi.StatusBadArgument
	}
	end := min(uint64(start)+uint64(maxSize), n)
	return clone((*b)[start:end]), abi.StatusOK
}

func (e *hostEmulator) GetBufferStatus(bt abi.BufferType) (uint32, uint32, abi.Status) {
	b, _ := e.buffer(bt)
	if b == nil {
		return 0, 0, abi.StatusNotFound
	}
	return uint32(len(*b)), 0, abi.StatusOK
}

// SetBufferBytes follows Envoy: start 0 and size 0 prepend, start 0 and a
// size covering the buffer replace it, a start at or past the end appends;
// anything else is a bad argument.
func (e *hostEmulator) SetBufferBytes(bt abi.BufferType, start, size uint32, data []byte) abi.Status {
	b, mutable := e.buffer(bt)
	if b == nil {
		return abi.StatusNotFound
	}
	if !mutable {
		return abi.StatusBadArgument
	}
	n := uint64(len(*b))
	switch {
	case start == 0 && size == 0:
		*b = append(clone(data), *b...)
	case start == 0 && uint64(size) >= n:
		*b = clone(data)
	case uint64(start) >= n:
		*b = append(*b, data...)
	default:
		return abi.StatusBadArgument
	}
	return abi.StatusOK
}
