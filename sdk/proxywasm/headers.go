package proxywasm

import (
	"unsafe"

	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// serializeMap encodes headers for the host; nil and empty encode as an
// empty map (count 0).
func serializeMap(kv [][2]string) []byte { return appendPairs(nil, kv) }

// getMap reads a whole map: one host call, and one allocation besides the
// block the host filled, as the pairs' strings point into that block.
func getMap(mt abi.MapType) ([][2]string, error) {
	b, st := hostcall.GetHeaderMapPairs(mt)
	if err := statusToError(st); err != nil {
		return nil, err
	}
	kv, ok := decodePairs(b)
	if !ok {
		return nil, ErrorStatusSerializationFailure
	}
	return kv, nil
}

func setMap(mt abi.MapType, kv [][2]string) error {
	return statusToError(hostcall.SetHeaderMapPairs(mt, serializeMap(kv)))
}

func getMapValue(mt abi.MapType, key string) (string, error) {
	b, st := hostcall.GetHeaderMapValue(mt, key)
	if err := statusToError(st); err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), nil // b is the guest's own, never reused
}

func addMapValue(mt abi.MapType, key, value string) error {
	return statusToError(hostcall.AddHeaderMapValue(mt, key, value))
}

func replaceMapValue(mt abi.MapType, key, value string) error {
	return statusToError(hostcall.ReplaceHeaderMapValue(mt, key, value))
}

func removeMapValue(mt abi.MapType, key string) error {
	return statusToError(hostcall.RemoveHeaderMapValue(mt, key))
}

// MapType names a proxy-wasm header map for GetHeaderMapSize.
type MapType = abi.MapType

// GetHeaderMapSize returns the serialized size in bytes of a header map.
func GetHeaderMapSize(mt MapType) (int, error) {
	n, st := hostcall.GetHeaderMapSize(mt)
	return int(n), statusToError(st)
}

// GetHttpRequestHeaders returns all request headers, pseudo-headers included.
func GetHttpRequestHeaders() ([][2]string, error) { return getMap(abi.MapHTTPRequestHeaders) }

// ReplaceHttpRequestHeaders replaces all request headers.
func ReplaceHttpRequestHeaders(headers [][2]string) error {
	return setMap(abi.MapHTTPRequestHeaders, headers)
}

// GetHttpRequestHeader returns the value of a request header;
// ErrorStatusNotFound when absent.
func GetHttpRequestHeader(key string) (string, error) {
	return getMapValue(abi.MapHTTPRequestHeaders, key)
}

// RemoveHttpRequestHeader removes a request header.
func RemoveHttpRequestHeader(key string) error { return removeMapValue(abi.MapHTTPRequestHeaders, key) }

// ReplaceHttpRequestHeader sets a request header, replacing existing values.
func ReplaceHttpRequestHeader(key, value string) error {
	return replaceMapValue(abi.MapHTTPRequestHeaders, key, value)
}

// AddHttpRequestHeader adds a request header value, keeping existing ones.
func AddHttpRequestHeader(key, value string) error {
	return addMapValue(abi.MapHTTPRequestHeaders, key, value)
}

// GetHttpRequestTrailers returns all request trailers.
func GetHttpRequestTrailers() ([][2]string, error) { return getMap(abi.MapHTTPRequestTrailers) }

// ReplaceHttpRequestTrailers replaces all request trailers.
func ReplaceHttpRequestTrailers(trailers [][2]string) error {
	return setMap(abi.MapHTTPRequestTrailers, trailers)
}

// GetHttpRequestTrailer returns the value of a request trailer.
func GetHttpRequestTrailer(key string) (string, error) {
	return getMapValue(abi.MapHTTPRequestTrailers, key)
}

// RemoveHttpRequestTrailer removes a request trailer.
func RemoveHttpRequestTrailer(key string) error {
	return removeMapValue(abi.MapHTTPRequestTrailers, key)
}

// ReplaceHttpRequestTrailer sets a request trailer.
func ReplaceHttpRequestTrailer(key, value string) error {
	return replaceMapValue(abi.MapHTTPRequestTrailers, key, value)
}

// AddHttpRequestTrailer adds a request trailer value.
func AddHttpRequestTrailer(key, value string) error {
	return addMapValue(abi.MapHTTPRequestTrailers, key, value)
}

// GetHttpResponseHeaders returns all response headers.
func GetHttpResponseHeaders() ([][2]string, error) { return getMap(abi.MapHTTPResponseHeaders) }

// ReplaceHttpResponseHeaders replaces all response headers.
func ReplaceHttpResponseHeaders(headers [][2]string) error {
	return setMap(abi.MapHTTPResponseHeaders, headers)
}

// GetHttpResponseHeader returns the value of a response header.
func GetHttpResponseHeader(key string) (string, error) {
	return getMapValue(abi.MapHTTPResponseHeaders, key)
}

// RemoveHttpResponseHeader removes a response header.
func RemoveHttpResponseHeader(key string) error {
	return removeMapValue(abi.MapHTTPResponseHeaders, key)
}

// ReplaceHttpResponseHeader sets a response header.
func ReplaceHttpResponseHeader(key, value string) error {
	return replaceMapValue(abi.MapHTTPResponseHeaders, key, value)
}

// AddHttpResponseHeader adds a response header value.
func AddHttpResponseHeader(key, value string) error {
	return addMapValue(abi.MapHTTPResponseHeaders, key, value)
}

// GetHttpResponseTrailers returns all response trailers.
func GetHttpResponseTrailers() ([][2]string, error) { return getMap(abi.MapHTTPResponseTrailers) }

// ReplaceHttpResponseTrailers replaces all response trailers.
func ReplaceHttpResponseTrailers(trailers [][2]string) error {
	return setMap(abi.MapHTTPResponseTrailers, trailers)
}

// GetHttpResponseTrailer returns the value of a response trailer.
func GetHttpResponseTrailer(key string) (string, error) {
	return getMapValue(abi.MapHTTPResponseTrailers, key)
}

// RemoveHttpResponseTrailer removes a response trailer.
func RemoveHttpResponseTrailer(key string) error {
	return removeMapValue(abi.MapHTTPResponseTrailers, key)
}

// ReplaceHttpResponseTrailer sets a response trailer.
func ReplaceHttpResponseTrailer(key, value string) error {
	return replaceMapValue(abi.MapHTTPResponseTrailers, key, value)
}

// AddHttpResponseTrailer adds a response trailer value.
func AddHttpResponseTrailer(key, value string) error {
	return addMapValue(abi.MapHTTPResponseTrailers, key, value)
}

// GetHttpCallResponseHeaders returns the headers of the HTTP call response
// being delivered; use it in the DispatchHttpCall callback.
func GetHttpCallResponseHeaders() ([][2]string, error) {
	return getMap(abi.MapHTTPCallResponseHeaders)
}

// GetHttpCallResponseTrailers returns the trailers of the HTTP call response
// being delivered.
func GetHttpCallResponseTrailers() ([][2]string, error) {
	return getMap(abi.MapHTTPCallResponseTrailers)
}
