// Package h1wire holds the HTTP/1.1 wire helpers (RFC 9110, RFC 9112) that
// meshproxy's downstream server (proxy/h1) and upstream client (proxy/cluster)
// share: token and control-byte classes, the version, Content-Length and
// Connection rules, line scanning, and reading a chunked body's trailer
// section. Each side keeps its own head parsing and errors.
package h1wire
