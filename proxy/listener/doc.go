// Package listener runs meshproxy's listeners: it binds sockets, recovers the
// original destination of iptables-captured connections, selects a filter
// chain by destination port, SNI, transport protocol and ALPN (peeking at the
// TLS ClientHello), terminates downstream TLS/mTLS with SDS secrets, and hands
// connections to an HTTP server (HTTP/1.1, h2c, HTTP/2 over TLS) or a TCP proxy.
// Config changes swap chains without closing the socket; replaced chains and
// removed listeners drain.
package listener
