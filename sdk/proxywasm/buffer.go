package proxywasm

import (
	"math"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// maxBuffer as a size means "to the end of the buffer"; as a start offset,
// "after the end" (append).
const maxBuffer = math.MaxInt32

func clampU32(n int) uint32 {
	switch {
	case n < 0:
		return 0
	case n > maxBuffer:
		return maxBuffer
	}
	return uint32(n)
}

// getBuffer reads up to maxSize bytes from start; an empty buffer is
// ErrorStatusNotFound, as in the tetratelabs SDK.
func getBuffer(bt abi.BufferType, start, maxSize int) ([]byte, error) {
	b, st := hostcall.GetBufferBytes(bt, clampU32(start), clampU32(maxSize))
	if err := statusToError(st); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, types.ErrorStatusNotFound
	}
	return b, nil
}

func appendToBuffer(bt abi.BufferType, b []byte) error {
	return statusToError(hostcall.SetBufferBytes(bt, maxBuffer, 0, b))
}

func prependToBuffer(bt abi.BufferType, b []byte) error {
	return statusToError(hostcall.SetBufferBytes(bt, 0, 0, b))
}

func replaceBuffer(bt abi.BufferType, b []byte) error {
	return statusToError(hostcall.SetBufferBytes(bt, 0, maxBuffer, b))
}

// BufferType names a proxy-wasm buffer for GetBufferStatus.
type BufferType = abi.BufferType

// GetBufferStatus returns the current size of a buffer (request or response
// body, downstream or upstream data, configuration, ...).
func GetBufferStatus(bt BufferType) (size int, err error) {
	n, _, st := hostcall.GetBufferStatus(bt)
	return int(n), statusToError(st)
}

// GetHttpRequestBody returns up to maxSize bytes of the request body seen so
// far, from start. Use it in OnHttpRequestBody.
func GetHttpRequestBody(start, maxSize int) ([]byte, error) {
	return getBuffer(abi.BufferHTTPRequestBody, start, maxSize)
}

// AppendHttpRequestBody appends to the request body.
func AppendHttpRequestBody(data []byte) error {
	return appendToBuffer(abi.BufferHTTPRequestBody, data)
}

// PrependHttpRequestBody prepends to the request body.
func PrependHttpRequestBody(data []byte) error {
	return prependToBuffer(abi.BufferHTTPRequestBody, data)
}

// ReplaceHttpRequestBody replaces the request body.
func ReplaceHttpRequestBody(data []byte) error {
	return replaceBuffer(abi.BufferHTTPRequestBody, data)
}

// GetHttpResponseBody returns up to maxSize bytes of the response body seen so
// far, from start. Use it in OnHttpResponseBody.
func GetHttpResponseBody(start, maxSize int) ([]byte, error) {
	return getBuffer(abi.BufferHTTPResponseBody, start, maxSize)
}

// AppendHttpResponseBody appends to the response body.
func AppendHttpResponseBody(data []byte) error {
	return appendToBuffer(abi.BufferHTTPResponseBody, data)
}

// PrependHttpResponseBody prepends to the response body.
func PrependHttpResponseBody(data []byte) error {
	return prependToBuffer(abi.BufferHTTPResponseBody, data)
}

// ReplaceHttpResponseBody replaces the response body.
func ReplaceHttpResponseBody(data []byte) error {
	return replaceBuffer(abi.BufferHTTPResponseBody, data)
}

// GetHttpCallResponseBody returns the body of the HTTP call response being
// delivered; use it in the DispatchHttpCall callback.
func GetHttpCallResponseBody(start, maxSize int) ([]byte, error) {
	return getBuffer(abi.BufferHTTPCallResponseBody, start, maxSize)
}

// GetDownstreamData returns downstream bytes of a TCP stream.
func GetDownstreamData(start, maxSize int) ([]byte, error) {
	return getBuffer(abi.BufferDownstreamData, start, maxSize)
}

// AppendDownstreamData appends to the downstream data.
func AppendDownstreamData(data []byte) error {
	return appendToBuffer(abi.BufferDownstreamData, data)
}

// PrependDownstreamData prepends to the downstream data.
func PrependDownstreamData(data []byte) error {
	return prependToBuffer(abi.BufferDownstreamData, data)
}

// ReplaceDownstreamData replaces the downstream data.
func ReplaceDownstreamData(data []byte) error {
	return replaceBuffer(abi.BufferDownstreamData, data)
}

// GetUpstreamData returns upstream bytes of a TCP stream.
func GetUpstreamData(start, maxSize int) ([]byte, error) {
	return getBuffer(abi.BufferUpstreamData, start, maxSize)
}

// AppendUpstreamData appends to the upstream data.
func AppendUpstreamData(data []byte) error {
	return appendToBuffer(abi.BufferUpstreamData, data)
}

// PrependUpstreamData prepends to the upstream data.
func PrependUpstreamData(data []byte) error {
	return prependToBuffer(abi.BufferUpstreamData, data)
}

// ReplaceUpstreamData replaces the upstream data.
func ReplaceUpstreamData(data []byte) error {
	return replaceBuffer(abi.BufferUpstreamData, data)
}
