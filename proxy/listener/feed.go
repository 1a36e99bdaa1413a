package listener

import (
	"net"
	"sync"
)

// feed is a net.Listener whose connections are pushed by the accept loop, so
// that one http.Server can serve the connections of one filter chain.
type feed struct {
	addr   net.Addr
	ch     chan net.Conn
	once   sync.Once
	closed chan struct{}
}

func newFeed(addr net.Addr) *feed {
	return &feed{addr: addr, ch: make(chan net.Conn), closed: make(chan struct{})}
}

func (f *feed) push(c net.Conn) bool {
	select {
	case f.ch <- c:
		return true
	case <-f.closed:
		return false
	}
}

func (f *feed) Accept() (net.Conn, error) {
	select {
	case c := <-f.ch:
		return c, nil
	case <-f.closed:
		return nil, net.ErrClosed
	}
}

func (f *feed) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

func (f *feed) Addr() net.Addr { return f.addr }
