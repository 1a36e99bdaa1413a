// Package host is the proxy-wasm ABI v0.2.1 host of wasmesh, running guests on
// wazero through package wasm/runtime.
//
// The embedding proxy creates one Host per process, loads plugins from module
// bytes, and drives HTTP and TCP streams through them:
//
//	h, err := host.New(ctx, host.Config{Logger: log, CacheDir: dir, NodeID: "sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local",
//		HTTPCalls: dispatcher, Foreign: host.NewForeignRegistry()})
//	defer h.Close(ctx)
//	p, err := h.Load(ctx, host.PluginConfig{Name: "authz", RootID: "authz", VMID: "authz",
//		Module: wasmBytes, SHA256: digest, Configuration: []byte(`{"mode":"enforce"}`)})
//	if err != nil { ... } // *host.LoadError with a Reason
//	s := p.NewHTTPStream(props, host.StreamCallbacks{Resume: resume, Close: closeStream, LocalReply: reply})
//	defer s.Done()
//	hdrs := host.Headers{{Key: ":method", Value: "GET"}, {Key: ":path", Value: "/"}}
//	r := s.OnRequestHeaders(&hdrs, true)
//	switch {
//	case r.Local != nil: // reply with r.Local, stop the filter chain (r.Err says if the plugin failed)
//	case r.Action == abi.ActionPause: // wait for callbacks.Resume (or LocalReply / Close)
//	default: // continue with the (possibly mutated) hdrs
//	}
//
// Each plugin owns a pool of wazero instances (PoolSize, default GOMAXPROCS).
// A stream stays on one instance for its life; an instance serves one callback
// at a time. Guests run with a memory limit (MemoryLimitPages) and a deadline
// per callback (CallTimeout); a trap or timeout fails the stream per the
// plugin's FailStrategy (FailClose: a local 503; FailOpen: continue), the
// instance is discarded and replaced (at once, then with exponential backoff
// while it keeps failing, logged), and other streams go on. Streams that were
// on the failed instance get the fail-strategy result for their next callback;
// those paused at that moment get it through StreamCallbacks (FailOpen: Resume;
// FailClose: LocalReply with the 503).
//
// Three optional guest exports extend the ABI for speed; the wasmesh SDK
// provides them, and guests without them are served as the ABI says:
// wasmesh_alloc_chunk(size) -> ptr gives the host a block to carve small
// results from (one call into the guest per 4 KiB instead of one
// proxy_on_memory_allocate per result); wasmesh_on_stream_end(ctx) -> ended
// runs proxy_on_done, proxy_on_log and proxy_on_delete in one call; and
// wasmesh_on_http_context_create(ctx, root) -> abi.HTTPCallbacks creates an
// HTTP stream's context and names the callbacks it acts on, so the host
// calls only those (HTTPStream.Calls tells the proxy which).
//
// A plugin closed gracefully (Plugin.Close, Host.Close) gives each root
// context proxy_on_done; a guest that answers false keeps its instance, its
// http calls and queue deliveries until it calls proxy_done or
// PluginConfig.DoneTimeout passes, then proxy_on_delete.
//
// Asynchronous guest work (proxy_on_tick, proxy_on_queue_ready,
// proxy_on_http_call_response, proxy_on_foreign_function via
// Plugin.NotifyForeign) runs on the instance's own goroutine, on the root
// context (id 1). StreamCallbacks are called after the guest returned, never
// while an instance is busy.
//
// The host answers plugin_name, plugin_root_id, plugin_vm_id, node.id and
// node.metadata.<key> (also under xds.) itself; every other property comes
// from the stream's Properties. Shared data and shared queues are keyed by VM
// id across all plugins of the Host; metrics are host-wide and written in the
// Prometheus text format by Metrics.WritePrometheus. gRPC host calls answer
// UNIMPLEMENTED. WASI preview1 comes from wazero with no file system: stdout
// and stderr go to the plugin's logger, the environment is PluginConfig.Env,
// clocks and randomness are real, sleeps are bounded so deadlines hold.
package host
