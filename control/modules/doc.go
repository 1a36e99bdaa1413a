// Package modules is meshd's content-addressed store of Wasm modules
// (filters and compiled policies): files named by their sha256 in a
// directory, so nothing uploaded is lost on restart.
//
// Store.Put verifies that the bytes are a Wasm module and returns their
// sha256; Handler serves GET/HEAD /modules/<sha256> to proxies and accepts
// uploads with POST /modules or PUT /modules/<sha256> (meshctl filter push),
// answering {"sha256": "..."}.
package modules
