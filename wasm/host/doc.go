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
//	s := p.NewHTTPStream(props, host.StreamCallbacks{Resume: resume, Close: closeStream})
//	defer s.Done()
//	hdrs := host.Headers{{Key: ":method", Value: "GET"}, {Key: ":path", Value: "/"}}
//	r := s.OnRequestHeaders(&hdrs, true)
//	switch {
//	case r.Local != nil: // reply with r.Local, stop the filter chain
//	case r.Action == abi.ActionPause: // wait for callbacks.Resume
//	default: // continue with the (possibly mutated) hdrs
//	}
//
// Each plugin owns a pool of wazero instances. A stream stays on one instance
// for its life and an instance serves one callback at a time. Guests run with a
// memory limit and a deadline per callback; a trap or timeout fails the stream
// per the plugin's FailStrategy (FailClose: a local 503; FailOpen: continue),
// the instance is discarded and replaced with backoff, and other streams go on.
//
// State shared across instances (shared data, shared queues) is keyed by VM id;
// metrics are host-wide and written in the Prometheus text format by
// Metrics.WritePrometheus.
package host
