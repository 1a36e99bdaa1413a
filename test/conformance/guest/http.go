package guest

import (
	"encoding/binary"
	"errors"
	"runtime"
	"slices"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

type httpContext struct {
	types.DefaultHttpContext
	id      uint32
	queueID uint32
	local   bool
}

func (h *httpContext) OnHttpRequestHeaders(n int, eos bool) types.Action {
	path, err := proxywasm.GetHttpRequestHeader(":path")
	noErr("request_header_get", err)
	if path == LocalPath {
		h.local = true
		noErr("send_local_response", proxywasm.SendHttpResponse(418,
			[][2]string{{"x-local", "1"}}, []byte("teapot"), -1))
		return types.ActionPause
	}
	hdrs, err := proxywasm.GetHttpRequestHeaders()
	kept, first, firstPath := hdrs, slices.Clone(hdrs), strings.Clone(path)
	x, dups := header(hdrs, "x-dup")
	expect("request_headers_get", err == nil && len(hdrs) == n && x == "a" && dups == 2 && !eos,
		"%v (n %d, eos %v), %v", hdrs, n, eos, err)
	size, err := proxywasm.GetHeaderMapSize(proxywasm.MapType(0))
	expect("header_map_size", err == nil && size == encodedSize(hdrs), "%d want %d, %v", size, encodedSize(hdrs), err)
	v, err := proxywasm.GetHttpRequestHeader("x-dup")
	expect("request_header_get_first", err == nil && v == "a", "%q, %v", v, err)
	_, err = proxywasm.GetHttpRequestHeader("x-missing")
	expect("request_header_missing", errors.Is(err, types.ErrorStatusNotFound), "%v", err)

	noErr("request_header_add", proxywasm.AddHttpRequestHeader("x-added", "1"))
	noErr("request_header_replace", proxywasm.ReplaceHttpRequestHeader("x-dup", "c"))
	noErr("request_header_remove", proxywasm.RemoveHttpRequestHeader("x-remove-me"))
	hdrs, _ = proxywasm.GetHttpRequestHeaders()
	x, dups = header(hdrs, "x-dup")
	added, _ := header(hdrs, "x-added")
	_, removed := header(hdrs, "x-remove-me")
	expect("request_headers_mutated", x == "c" && dups == 1 && added == "1" && removed == 0, "%v", hdrs)

	noErr("request_headers_replace_all", proxywasm.ReplaceHttpRequestHeaders(append(hdrs, [2]string{"x-all", "yes"})))
	v, err = proxywasm.GetHttpRequestHeader("x-all")
	expect("request_headers_replaced", err == nil && v == "yes", "%q, %v", v, err)

	// Properties the proxy fills are per stream.
	m, err := proxywasm.GetPropertyMap([]string{"conformance", "map"})
	k, _ := header(m, "k2")
	expect("property_map", err == nil && len(m) == 2 && k == "v2", "%v, %v", m, err)

	noErr("set_property", proxywasm.SetProperty([]string{"conformance", "stream"}, []byte("set")))
	pv, err := proxywasm.GetProperty([]string{"conformance", "stream"})
	expect("get_set_property", err == nil && string(pv) == "set", "%q, %v", pv, err)

	// Values read earlier still read the same after many more results:
	// the SDK hands them out without copying from the memory the host
	// filled, which no later result may reuse.
	for range 100 {
		_, _ = proxywasm.GetHttpRequestHeader(":path")
		_, _ = proxywasm.GetHttpRequestHeaders()
	}
	runtime.GC()
	expect("values_kept", path == firstPath && slices.Equal(kept, first),
		"%q %v, want %q %v", path, kept, firstPath, first)

	h.dispatch()
	return types.ActionPause
}

func encodedSize(hdrs [][2]string) int {
	n := 4
	for _, h := range hdrs {
		n += 8 + len(h[0]) + 1 + len(h[1]) + 1
	}
	return n
}

func (h *httpContext) OnHttpRequestBody(size int, eos bool) types.Action {
	body, err := proxywasm.GetHttpRequestBody(0, size)
	expect("request_body_get", err == nil && string(body) == "hello" && eos, "%q eos %v, %v", body, eos, err)
	part, err := proxywasm.GetHttpRequestBody(1, 3)
	expect("request_body_get_range", err == nil && string(part) == "ell", "%q, %v", part, err)
	st, err := proxywasm.GetBufferStatus(proxywasm.BufferType(0))
	expect("buffer_status", err == nil && st == size, "%d want %d, %v", st, size, err)
	checkMemoryUnderGC()
	noErr("request_body_prepend", proxywasm.PrependHttpRequestBody([]byte("<")))
	noErr("request_body_append", proxywasm.AppendHttpRequestBody([]byte(">")))
	body, err = proxywasm.GetHttpRequestBody(0, 100)
	expect("request_body_edited", err == nil && string(body) == "<hello>", "%q, %v", body, err)
	noErr("request_body_replace", proxywasm.ReplaceHttpRequestBody([]byte("body!")))
	return types.ActionContinue
}

func (h *httpContext) OnHttpRequestTrailers(n int) types.Action {
	tr, err := proxywasm.GetHttpRequestTrailers()
	expect("request_trailers_get", err == nil && len(tr) == n && n == 1, "%v, %v", tr, err)
	v, err := proxywasm.GetHttpRequestTrailer("x-rt")
	expect("request_trailer_get", err == nil && v == "1", "%q, %v", v, err)
	noErr("request_trailer_add", proxywasm.AddHttpRequestTrailer("x-rt-added", "2"))
	noErr("request_trailer_replace", proxywasm.ReplaceHttpRequestTrailer("x-rt", "3"))
	noErr("request_trailer_remove", proxywasm.RemoveHttpRequestTrailer("x-rt-added"))
	noErr("request_trailers_replace_all", proxywasm.ReplaceHttpRequestTrailers([][2]string{{"x-rt", "4"}}))
	return types.ActionContinue
}

// OnHttpResponseHeaders edits the headers, then pauses the response and
// queues its own id: the plugin context resumes it from OnQueueReady.
func (h *httpContext) OnHttpResponseHeaders(n int, _ bool) types.Action {
	if h.local {
		return types.ActionContinue
	}
	hdrs, err := proxywasm.GetHttpResponseHeaders()
	st, _ := header(hdrs, ":status")
	expect("response_headers_get", err == nil && len(hdrs) == n && st == "200", "%v, %v", hdrs, err)
	v, err := proxywasm.GetHttpResponseHeader("x-up")
	expect("response_header_get", err == nil && v == "1", "%q, %v", v, err)
	noErr("response_header_add", proxywasm.AddHttpResponseHeader("x-resp-added", "1"))
	noErr("response_header_replace", proxywasm.ReplaceHttpResponseHeader("x-up", "2"))
	noErr("response_header_remove", proxywasm.RemoveHttpResponseHeader("x-drop"))
	hdrs, _ = proxywasm.GetHttpResponseHeaders()
	noErr("response_headers_replace_all", proxywasm.ReplaceHttpResponseHeaders(append(hdrs, [2]string{"x-all", "resp"})))
	noErr("queue_enqueue_stream", proxywasm.EnqueueSharedQueue(h.queueID, binary.LittleEndian.AppendUint32(nil, h.id)))
	return types.ActionPause
}

// resumeResponse runs in the plugin context: it makes the stream effective
// and resumes its response.
func resumeResponse(item []byte) {
	if !expect("queue_item", len(item) == 4, "%q", item) {
		return
	}
	id := binary.LittleEndian.Uint32(item)
	if noErr("set_effective_context_stream", proxywasm.SetEffectiveContext(id)) {
		noErr("resume_response", proxywasm.ResumeHttpResponse())
	}
}

func (h *httpContext) OnHttpResponseBody(size int, eos bool) types.Action {
	body, err := proxywasm.GetHttpResponseBody(0, size)
	expect("response_body_get", err == nil && string(body) == "resp" && eos, "%q, %v", body, err)
	noErr("response_body_prepend", proxywasm.PrependHttpResponseBody([]byte("[")))
	noErr("response_body_append", proxywasm.AppendHttpResponseBody([]byte("]")))
	body, err = proxywasm.GetHttpResponseBody(0, 100)
	expect("response_body_edited", err == nil && string(body) == "[resp]", "%q, %v", body, err)
	noErr("response_body_replace", proxywasm.ReplaceHttpResponseBody([]byte("done")))
	return types.ActionContinue
}

func (h *httpContext) OnHttpResponseTrailers(n int) types.Action {
	tr, err := proxywasm.GetHttpResponseTrailers()
	expect("response_trailers_get", err == nil && len(tr) == n && n == 1, "%v, %v", tr, err)
	v, err := proxywasm.GetHttpResponseTrailer("x-st")
	expect("response_trailer_get", err == nil && v == "1", "%q, %v", v, err)
	noErr("response_trailer_add", proxywasm.AddHttpResponseTrailer("x-st-added", "2"))
	noErr("response_trailer_replace", proxywasm.ReplaceHttpResponseTrailer("x-st", "3"))
	noErr("response_trailer_remove", proxywasm.RemoveHttpResponseTrailer("x-st-added"))
	noErr("response_trailers_replace_all", proxywasm.ReplaceHttpResponseTrailers([][2]string{{"x-st", "4"}}))
	return types.ActionContinue
}

func (h *httpContext) OnHttpStreamDone() {
	if !h.local {
		expect("stream_done", true, "")
	}
}
