package listener

import (
	"crypto/tls"
	"errors"
	"log"
	"log/slog"
	"net"
	"sync"

	"github.com/wasmesh/wasmesh/proxy/httpx"
)

// infoConn carries the connection facts into the HTTP server's ConnContext.
type infoConn struct {
	net.Conn
	info *httpx.ConnInfo
}

var tlsInfos sync.Map // *tls.Conn -> *httpx.ConnInfo

// tlsInfoConn wraps nothing: TLS conns must reach http.Server unwrapped, so their
// info is kept in tlsInfos until the connection context is created.
func registerInfo(tc *tls.Conn, ci *httpx.ConnInfo) { tlsInfos.Store(tc, ci) }

func connInfoOf(c net.Conn) *httpx.ConnInfo {
	switch x := c.(type) {
	case *infoConn:
		return x.info
	case *tls.Conn:
		if v, ok := tlsInfos.LoadAndDelete(x); ok {
			return v.(*httpx.ConnInfo)
		}
	}
	return &httpx.ConnInfo{Local: c.LocalAddr(), Remote: c.RemoteAddr()}
}

func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}

// CloseWrite half-closes the wrapped connection when it can.
func (c *infoConn) CloseWrite() error { return halfClose(c.Conn) }

func halfClose(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
