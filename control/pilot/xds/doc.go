// Package xds serves Pilot's resources over ADS with go-control-plane: a
// snapshot cache keyed by node id, pushes that only touch proxies (and
// resource types) whose configuration changed, and per-proxy push status
// from the server callbacks: the version each proxy was sent, ACKed or
// NACKed (with the proxy's error), for /debug/syncz and meshctl
// proxy-status.
//
// Server is runner code: it is safe for concurrent use, and its callbacks
// run on the gRPC stream goroutines. When a proxy's first stream opens,
// Server parses its node (pilot.ParseNode), reports it through Hooks so the
// registry can add its workload, and sets its snapshot at once.
package xds
