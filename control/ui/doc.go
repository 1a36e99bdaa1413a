// Package ui is meshd's dashboard: a small single-page app, built from web/
// with npm and embedded here, served at /ui/, and the JSON it reads at
// /ui/api/. The API answers four questions:
//
//   - topology: which workloads call which services, with live request
//     rate, error rate and p90 latency per edge, computed from two scrapes of
//     the proxies' Prometheus text (istio_requests_total and
//     istio_request_duration_milliseconds);
//   - proxies: each proxy's xDS sync status (ACKed versions, NACK reasons);
//   - config: the active config per service (routes, policies, Wasm filters
//     with digests);
//   - decisions: recent policy decisions from the report sink, denies first.
//
// Everything the dashboard shows comes from Sources, a struct of small
// functions meshd fills in (Sources.FromXDS wires the proxies and config
// views to meshd's ADS server); this package owns no state besides the
// last metric scrapes. Parsing and translation are pure functions
// (ParseText, BuildGraph, Decisions, ProxiesFromXDS, ConfigFromIR);
// scraping is the only I/O.
package ui
