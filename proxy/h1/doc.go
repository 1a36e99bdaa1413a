// Package h1 is meshproxy's downstream HTTP/1.1 server: a lean replacement
// for net/http.Server on the plain and TLS HTTP/1.x path of an HTTP
// connection manager, serving an ordinary http.Handler.
//
// One goroutine serves one connection: it reads a request head into a
// reused buffer, parses it (strictly: request smuggling vectors are
// refused), runs the handler and writes the response through a pooled
// bufio.Writer, small bodies framed with Content-Length and flushed with the
// head in one write. There is no per-request goroutine; a client that goes
// away is noticed by a read started only when a request outlives a short
// delay (watch.go). Connections that open with the HTTP/2 client preface are
// handed to Server.HTTP2, so h2c stays with golang.org/x/net's server.
//
// Supported: keep-alive and Connection: close, HTTP/1.0, pipelining,
// Content-Length and chunked request bodies, Expect: 100-continue,
// absolute-form targets, chunked responses with trailers, HEAD/204/304,
// http.Flusher, http.Hijacker (WebSocket), idle and header timeouts and a
// graceful Shutdown.
package h1
