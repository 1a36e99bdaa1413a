package listener

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

func TestSelectChain(t *testing.T) {
	chains := []config.FilterChain{
		{Name: "port9080", Match: config.FilterChainMatch{DestinationPort: 9080}},
		{Name: "sni-exact", Match: config.FilterChainMatch{ServerNames: []string{"api.example.com"}, TransportProtocol: "tls"}},
		{Name: "sni-wild", Match: config.FilterChainMatch{ServerNames: []string{"*.example.com"}, TransportProtocol: "tls"}},
		{Name: "tls-h2", Match: config.FilterChainMatch{TransportProtocol: "tls", ALPN: []string{"h2"}}},
		{Name: "tls", Match: config.FilterChainMatch{TransportProtocol: "tls"}},
		{Name: "raw", Match: config.FilterChainMatch{TransportProtocol: "raw_buffer"}},
	}
	def := &config.FilterChain{Name: "default"}
	cases := []struct {
		port uint32
		h    helloInfo
		want string
	}{
		{9080, helloInfo{}, "port9080"},
		{80, helloInfo{tls: true, sni: "api.example.com"}, "sni-exact"},
		{80, helloInfo{tls: true, sni: "x.example.com"}, "sni-wild"},
		{80, helloInfo{tls: true, sni: "other.test", alpn: []string{"h2", "http/1.1"}}, "tls-h2"},
		{80, helloInfo{tls: true, sni: "other.test", alpn: []string{"http/1.1"}}, "tls"},
		{80, helloInfo{}, "raw"},
	}
	for _, c := range cases {
		if got := selectChain(chains, def, c.port, c.h); got == nil || got.Name != c.want {
			t.Errorf("port %d %+v: got %v, want %s", c.port, c.h, got, c.want)
		}
	}
	if got := selectChain(chains[:1], def, 80, helloInfo{}); got != def {
		t.Errorf("no match should use the default chain, got %v", got)
	}
}

// clientHello captures the first flight of a real TLS client.
func clientHello(t testing.TB, sni string, alpn []string) []byte {
	a, b := net.Pipe()
	go func() {
		c := tls.Client(a, &tls.Config{ServerName: sni, NextProtos: alpn, InsecureSkipVerify: true})
		_ = c.Handshake()
	}()
	buf := make([]byte, 4096)
	_ = b.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _ := b.Read(buf)
	a.Close()
	b.Close()
	return buf[:n]
}

// bytesConn serves fixed bytes then EOF.
type bytesConn struct {
	net.Conn
	r io.Reader
}

func (c *bytesConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *bytesConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *bytesConn) SetReadDeadline(time.Time) error  { return nil }
func (c *bytesConn) SetDeadline(time.Time) error      { return nil }
func (c *bytesConn) SetWriteDeadline(time.Time) error { return nil }
func (c *bytesConn) Close() error                     { return nil }
func (c *bytesConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *bytesConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

func TestPeekHello(t *testing.T) {
	hello := clientHello(t, "api.example.com", []string{"h2", "http/1.1"})
	conn, info, err := peekHello(&bytesConn{r: bytes.NewReader(hello)}, time.Second)
	if err != nil || !info.tls || info.sni != "api.example.com" || len(info.alpn) != 2 {
		t.Fatalf("info %+v err %v", info, err)
	}
	replayed, _ := io.ReadAll(conn)
	if !bytes.Equal(replayed, hello) {
		t.Fatal("peeked bytes not replayed")
	}
	conn, info, err = peekHello(&bytesConn{r: bytes.NewReader([]byte("GET / HTTP/1.1\r\n\r\n"))}, time.Second)
	if err != nil || info.tls {
		t.Fatalf("plaintext: %+v %v", info, err)
	}
	if b, _ := io.ReadAll(conn); string(b) != "GET / HTTP/1.1\r\n\r\n" {
		t.Fatalf("plaintext replay %q", b)
	}
}

// FuzzPeekHello feeds arbitrary first bytes to the ClientHello peek: it must
// never panic and must replay exactly what it read.
func FuzzPeekHello(f *testing.F) {
	f.Add(clientHello(f, "a.test", []string{"h2"}))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		conn, _, err := peekHello(&bytesConn{r: bytes.NewReader(data)}, time.Second)
		if err != nil {
			return
		}
		got, _ := io.ReadAll(conn)
		if !bytes.Equal(got, data) {
			t.Fatalf("replayed %d bytes of %d", len(got), len(data))
		}
	})
}
