package proxywasm

import (
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
)

// DispatchHttpCall sends an HTTP request to the upstream cluster. headers
// must hold :method, :path and :authority. When the response arrives (or the
// call fails: numHeaders 0) callBack runs with the dispatching context
// effective again; inside it GetHttpCallResponseHeaders, ...Body and
// ...Trailers read the response.
func DispatchHttpCall(
	cluster string,
	headers [][2]string,
	body []byte,
	trailers [][2]string,
	timeoutMillisecond uint32,
	callBack func(numHeaders, bodySize, numTrailers int),
) (calloutID uint32, err error) {
	id, st := hostcall.HttpCall(cluster, serializeMap(headers), body, serializeMap(trailers), timeoutMillisecond)
	if err := statusToError(st); err != nil {
		return 0, err
	}
	guest.RegisterCallout(id, callBack)
	return id, nil
}
