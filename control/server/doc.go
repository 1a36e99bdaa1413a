// Package server is meshd's runner: it wires the config store (a watched
// directory with a write-through HTTP API), the service registry, Pilot's
// ADS server, the module store and the monitoring endpoints, and runs them
// until its context ends.
//
// Ports (Istio's numbers): 15010 xDS over plaintext gRPC; 15014 HTTP for
// /metrics, /ready, /debug/syncz, /debug/configz, /debug/registryz,
// /modules/ and the config API (/v1/configs). Config changes and registry
// changes are debounced and pushed only to the proxies whose resources
// changed.
package server
