// Package demo tests `meshctl demo up`: the bookinfo demo mesh runs on
// loopback and every claim it prints is checked — split counts against the
// reviews sidecars' own istio_requests_total, the fault's delay, the
// denials with their reasons, the Wasm filter's header, the denials in meshd's report sink — and no process is
// left behind, whether the demo ends by itself or by `meshctl demo down`.
package demo
