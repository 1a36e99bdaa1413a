package proxywasm

import (
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// ResumeHttpRequest resumes a request paused by returning types.ActionPause.
func ResumeHttpRequest() error { return statusToError(hostcall.ContinueStream(abi.StreamHTTPRequest)) }

// ResumeHttpResponse resumes a response paused by returning types.ActionPause.
func ResumeHttpResponse() error {
	return statusToError(hostcall.ContinueStream(abi.StreamHTTPResponse))
}

// SendHttpResponse answers the downstream with a local response instead of
// proxying: status code, headers, body and a gRPC status (-1 for none). Use it
// before response headers went downstream and return types.ActionPause.
func SendHttpResponse(statusCode uint32, headers [][2]string, body []byte, gRPCStatus int32) error {
	return statusToError(hostcall.SendLocalResponse(statusCode, "", body, serializeMap(headers), gRPCStatus))
}

// ContinueTcpStream resumes a TCP stream paused by types.ActionPause.
func ContinueTcpStream() error { return statusToError(hostcall.ContinueStream(abi.StreamDownstream)) }

// ContinueTcpUpstream resumes the upstream direction of a TCP stream whose
// OnUpstreamData returned types.ActionPause (ContinueTcpStream resumes the
// downstream direction, as in the tetratelabs SDK).
func ContinueTcpUpstream() error { return statusToError(hostcall.ContinueStream(abi.StreamUpstream)) }

// CloseDownstream closes the downstream TCP connection.
func CloseDownstream() error { return statusToError(hostcall.CloseStream(abi.StreamDownstream)) }

// CloseUpstream closes the upstream TCP connection.
func CloseUpstream() error { return statusToError(hostcall.CloseStream(abi.StreamUpstream)) }
