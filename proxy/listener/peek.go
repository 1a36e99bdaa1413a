package listener

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

// replayConn replays bytes already read from the connection before reading more.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// helloInfo is what chain selection needs from the first bytes of a connection.
type helloInfo struct {
	tls  bool
	sni  string
	alpn []string
}

var errStopHandshake = errors.New("listener: stop after ClientHello")

// recordingConn records what the TLS server reads and refuses writes.
type recordingConn struct {
	net.Conn
	buf bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.buf.Write(p[:n])
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) { return 0, errStopHandshake }

// peekHello inspects the start of conn. It returns the connection to use
// afterwards (replaying what was read) and the ClientHello facts.
func peekHello(conn net.Conn, timeout time.Duration) (net.Conn, helloInfo, error) {
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	defer func() { _ = conn.SetReadDeadline(time.Time{}) }()
	var first [1]byte
	if _, err := io.ReadFull(conn, first[:]); err != nil {
		return nil, helloInfo{}, err
	}
	if first[0] != 0x16 { // not a TLS handshake record
		return &replayConn{Conn: conn, r: io.MultiReader(bytes.NewReader(first[:]), conn)}, helloInfo{}, nil
	}
	rec := &recordingConn{Conn: &replayConn{Conn: conn, r: io.MultiReader(bytes.NewReader(first[:]), conn)}}
	var info helloInfo
	info.tls = true
	_ = tls.Server(rec, &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		info.sni, info.alpn = h.ServerName, h.SupportedProtos
		return nil, errStopHandshake
	}}).Handshake()
	return &replayConn{Conn: conn, r: io.MultiReader(bytes.NewReader(rec.buf.Bytes()), conn)}, info, nil
}

// CloseWrite half-closes the wrapped connection when it can.
func (c *replayConn) CloseWrite() error { return halfClose(c.Conn) }
