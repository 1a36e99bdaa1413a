//go:build wasip1

// Command conformance is a raw proxy-wasm guest that exercises every host
// function; the request header x-case picks what it does and results come
// back as headers, local responses, shared data and metrics.
package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wasmesh/wasmesh/wasm/host/testdata/guests/raw"
)

const (
	reqHeaders, reqTrailers, respHeaders, respTrailers = 0, 1, 2, 3
	callHeaders                                        = 6
	reqBody, respBody, downData, upData, callBody      = 0, 1, 2, 3, 4
	vmConfig, pluginConfig                             = 6, 7
)

var (
	vmConf, plugConf string
	queueID          uint32
	calls            = map[uint32]uint32{} // call id -> stream context
	counts           = map[string]int{}
)

func main() {}

//go:wasmexport proxy_abi_version_0_2_1
func marker() {}

//go:wasmexport proxy_on_memory_allocate
func alloc(size uint32) uint32 { return raw.Alloc(size) }

//go:wasmexport proxy_on_context_create
func contextCreate(id, parent uint32) { counts["create"]++ }

//go:wasmexport proxy_on_vm_start
func vmStart(_, size uint32) uint32 {
	b, _ := raw.GetBuffer(vmConfig, 0, size)
	vmConf = string(b)
	return 1
}

//go:wasmexport proxy_on_configure
func configure(_, size uint32) uint32 {
	b, _ := raw.GetBuffer(pluginConfig, 0, size)
	plugConf = string(b)
	if plugConf == "fail" {
		return 0
	}
	queueID, _ = raw.RegisterQueue("q")
	if plugConf == "tick" {
		raw.ProxySetTickPeriod(10)
	}
	fmt.Println("configured from stdout")
	return 1
}

//go:wasmexport proxy_on_tick
func tick(uint32) {
	v, cas, _ := raw.GetShared("ticks")
	n, _ := strconv.Atoi(string(v))
	raw.SetShared("ticks", []byte(strconv.Itoa(n+1)), cas)
}

//go:wasmexport proxy_on_foreign_function
func foreignFunction(root, id, size uint32) {
	raw.Unpin()
	b, s := raw.GetBuffer(8, 0, size)
	raw.SetShared("foreign_got", []byte(j(root, id, string(b), st(s))), 0)
}

//go:wasmexport proxy_on_queue_ready
func queueReady(root, id uint32) {
	v, st := raw.Dequeue(id)
	raw.SetShared("queue_got", []byte(fmt.Sprintf("%d:%s:%d", root, v, st)), 0)
}

// j joins values with spaces.
func j(a ...any) string { return strings.TrimSuffix(fmt.Sprintln(a...), "\n") }

func st(s uint32) string { return strconv.Itoa(int(s)) }

//go:wasmexport proxy_on_request_headers
func requestHeaders(ctx, n, eos uint32) uint32 {
	raw.Unpin()
	c, _ := raw.Get(reqHeaders, "x-case")
	add := func(k, v string) { raw.Add(reqHeaders, k, v) }
	switch c {
	case "headers":
		a, _ := raw.Get(reqHeaders, ":path")
		b, _ := raw.Get(reqHeaders, "X-A")
		_, missing := raw.Get(reqHeaders, "nope")
		add("x-got", a+","+b+","+st(missing))
		raw.Replace(reqHeaders, "x-replace", "new")
		raw.Remove(reqHeaders, "x-remove")
		pairs, _ := raw.Pairs(reqHeaders)
		add("x-count", strconv.Itoa(len(pairs)))
		add("x-size", strconv.Itoa(int(raw.MapSize(reqHeaders))))
		add("x-n", strconv.Itoa(int(n))+","+strconv.Itoa(int(eos)))
		_, stt := raw.Get(reqTrailers, "x")
		add("x-trailers-status", st(stt))
		add("x-bad-map", st(raw.Add(99, "k", "v")))
	case "setpairs":
		raw.SetPairs(reqHeaders, [][2]string{{":path", "/rewritten"}, {"x-only", "1"}})
	case "local":
		return localReply(403, "denied by test", "no entry", [][2]string{{"x-why", "test"}})
	case "props":
		for _, p := range [][]string{{"plugin_name"}, {"plugin_root_id"}, {"plugin_vm_id"}, {"node", "id"},
			{"node", "metadata", "NAMESPACE"}, {"xds", "node", "id"}, {"request", "path"},
			{"connection", "uri_san_peer_certificate"}, {"missing"}} {
			v, s := raw.Property(p...)
			add("x-p-"+strings.Join(p, "."), v+"|"+st(s))
		}
		add("x-set", st(raw.SetProperty("custom-value", "my", "prop")))
		v, s := raw.Property("my", "prop")
		add("x-p-my.prop", v+"|"+st(s))
	case "shared":
		_, _, s0 := raw.GetShared("k")
		s1 := raw.SetShared("k", []byte("v1"), 0)
		v, cas, s2 := raw.GetShared("k")
		s3 := raw.SetShared("k", []byte("v2"), cas+1000)
		s4 := raw.SetShared("k", []byte("v2"), cas)
		v2, _, _ := raw.GetShared("k")
		add("x-shared", strings.Join([]string{st(s0), st(s1), string(v), st(s2), st(s3), st(s4), string(v2)}, ","))
	case "metrics":
		c1, s1 := raw.DefineMetric(0, "test.requests")
		c2, _ := raw.DefineMetric(0, "test.requests")
		_, sBad := raw.DefineMetric(1, "test.requests")
		raw.ProxyIncrementMetric(c1, 2)
		sNeg := raw.ProxyIncrementMetric(c1, -1)
		cv, _ := raw.GetMetric(c1)
		g, _ := raw.DefineMetric(1, "test.gauge")
		raw.ProxyRecordMetric(g, 7)
		raw.ProxyIncrementMetric(g, -2)
		gv, _ := raw.GetMetric(g)
		h, _ := raw.DefineMetric(2, "test.latency")
		raw.ProxyRecordMetric(h, 3)
		_, sh := raw.GetMetric(h)
		_, sMissing := raw.GetMetric(9999)
		add("x-metrics", j(c1 == c2, st(s1), st(sBad), st(sNeg), cv, gv, st(sh), st(sMissing)))
	case "queue":
		id, s1 := raw.ResolveQueue("", "q")
		_, s2 := raw.ResolveQueue("other-vm", "q")
		s3 := raw.Enqueue(id, []byte("hello"))
		_, s4 := raw.Dequeue(9999)
		add("x-queue", j(id == queueID, st(s1), st(s2), st(s3), st(s4)))
	case "queue-empty":
		_, s := raw.Dequeue(queueID)
		add("x-queue", st(s))
	case "httpcall", "httpcall-fail":
		path := "/check"
		if c == "httpcall-fail" {
			path = "/fail"
		}
		_, sBad := raw.HTTPCall("authz", [][2]string{{":method", "GET"}}, "", 1000)
		id, s := raw.HTTPCall("authz", [][2]string{{":method", "POST"}, {":path", path}, {":authority", "authz.local"}}, "ping", 500)
		add("x-call", st(sBad)+","+st(s))
		calls[id] = ctx
		return 1 // pause until the response
	case "foreign":
		out, s1 := raw.CallForeign("echo", []byte("abc"))
		_, s2 := raw.CallForeign("nope", nil)
		_, s3 := raw.CallForeign("fails", nil)
		add("x-foreign", string(out)+","+st(s1)+","+st(s2)+","+st(s3))
	case "misc":
		lvl, s := raw.LogLevel()
		raw.Log(2, "hello from guest")
		fmt.Fprintln(os.Stderr, "to stderr")
		rnd := make([]byte, 16)
		rand.Read(rnd)
		zero := true
		for _, b := range rnd {
			zero = zero && b == 0
		}
		sCtx := raw.ProxySetEffectiveContext(424242)
		add("x-misc", j(lvl, st(s), raw.Now(), !zero, os.Getenv("FOO"), vmConf, plugConf, st(raw.GRPCCall()), st(sCtx)))
	case "close":
		raw.ProxyCloseStream(0)
	case "pause":
		return 1
	case "sleep":
		time.Sleep(time.Hour)
	}
	return 0
}

func localReply(status uint32, details, body string, h [][2]string) uint32 {
	raw.SendLocal(status, details, body, h, -1)
	return 1
}

//go:wasmexport proxy_on_http_call_response
func httpCallResponse(root, id, nh, bodySize, nt uint32) {
	raw.Unpin()
	ctx := calls[id]
	delete(calls, id)
	status, _ := raw.Get(callHeaders, ":status")
	body, _ := raw.GetBuffer(callBody, 0, bodySize)
	code, msg, _ := raw.Status()
	raw.ProxySetEffectiveContext(ctx)
	if nh == 0 {
		raw.SendLocal(502, "callout failed", "callout: "+msg, nil, -1)
		return
	}
	raw.Add(reqHeaders, "x-call-result", j(root, status, string(body), code))
	raw.ProxyContinueStream(0)
}

//go:wasmexport proxy_on_request_body
func requestBody(ctx, size, eos uint32) uint32 {
	raw.Unpin()
	if eos == 0 {
		return 1 // buffer until the end
	}
	b, _ := raw.GetBuffer(reqBody, 0, size)
	raw.SetBuffer(reqBody, 0, size, []byte(strings.ToUpper(string(b))))
	raw.SetBuffer(reqBody, 0, 0, []byte("<"))
	raw.SetBuffer(reqBody, 1<<30, 0, []byte(">"))
	n, _ := raw.BufferLen(reqBody)
	part, _ := raw.GetBuffer(reqBody, 1, 3)
	_, sWrite := raw.GetBuffer(vmConfig, 0, 0)
	raw.Add(reqHeaders, "x-body", j(n, string(part), st(raw.SetBuffer(pluginConfig, 0, 0, []byte("x"))), st(sWrite)))
	return 0
}

//go:wasmexport proxy_on_request_trailers
func requestTrailers(ctx, n uint32) uint32 {
	raw.Unpin()
	raw.Add(reqTrailers, "x-trailer-added", strconv.Itoa(int(n)))
	return 0
}

//go:wasmexport proxy_on_response_headers
func responseHeaders(ctx, n, eos uint32) uint32 {
	raw.Unpin()
	raw.Add(respHeaders, "x-resp", "1")
	if v, _ := raw.Get(respHeaders, "x-deny"); v != "" {
		return localReply(500, "denied response", "late", nil)
	}
	return 0
}

//go:wasmexport proxy_on_response_body
func responseBody(ctx, size, eos uint32) uint32 {
	raw.Unpin()
	raw.SetBuffer(respBody, 1<<30, 0, []byte("!"))
	s := raw.SendLocal(500, "too late", "", nil, -1)
	raw.Add(respHeaders, "x-late-local", st(s))
	return 0
}

//go:wasmexport proxy_on_response_trailers
func responseTrailers(ctx, n uint32) uint32 {
	raw.Add(respTrailers, "x-resp-trailer", "1")
	return 0
}

//go:wasmexport proxy_on_done
func done(ctx uint32) uint32 {
	counts["done"]++
	v, _ := raw.Property("request", "path")
	return boolU(v != "/slow-done")
}

//go:wasmexport proxy_on_log
func onLog(ctx uint32) {
	counts["log"]++
	raw.SetShared("log_count", []byte(strconv.Itoa(counts["log"])), 0)
}

//go:wasmexport proxy_on_delete
func onDelete(ctx uint32) {
	counts["delete"]++
	raw.SetShared("delete_count", []byte(strconv.Itoa(counts["delete"])), 0)
}

func boolU(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// TCP

//go:wasmexport proxy_on_new_connection
func newConnection(ctx uint32) uint32 { return 0 }

//go:wasmexport proxy_on_downstream_data
func downstreamData(ctx, size, eos uint32) uint32 {
	raw.Unpin()
	b, _ := raw.GetBuffer(downData, 0, size)
	raw.SetBuffer(downData, 0, size, []byte(strings.ToUpper(string(b))))
	return 0
}

//go:wasmexport proxy_on_upstream_data
func upstreamData(ctx, size, eos uint32) uint32 {
	raw.Unpin()
	raw.SetBuffer(upData, 0, 0, []byte("up:"))
	if eos == 1 {
		raw.ProxyCloseStream(3)
	}
	return 0
}

//go:wasmexport proxy_on_downstream_connection_close
func downstreamClose(ctx, peer uint32) {
	raw.SetShared("tcp_close", []byte(strconv.Itoa(int(peer))), 0)
}
