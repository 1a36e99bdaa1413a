package kube_test

import (
	"io"
	"net"
	"sync"
	"testing"
)

// forwarder stands in for meshd's Service (kube-proxy): each connection
// goes to the next replica in turn, or the one after it when that one
// refuses, as a Service drops a dead pod's endpoint.
type forwarder struct {
	lis      net.Listener
	backends []string

	mu    sync.Mutex
	next  int
	conns map[net.Conn]struct{}
}

func startForwarder(t testing.TB, backends ...string) *forwarder {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{lis: lis, backends: backends, conns: map[net.Conn]struct{}{}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); f.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		lis.Close()
		f.mu.Lock()
		for c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	return f
}

func (f *forwarder) Addr() string { return f.lis.Addr().String() }

func (f *forwarder) track(c net.Conn, add bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if add {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *forwarder) serve(c net.Conn) {
	f.track(c, true)
	defer f.track(c, false)
	defer c.Close()
	f.mu.Lock()
	first := f.next
	f.next = (f.next + 1) % len(f.backends)
	f.mu.Unlock()
	var up net.Conn
	for i := range f.backends {
		var err error
		if up, err = net.Dial("tcp", f.backends[(first+i)%len(f.backends)]); err == nil {
			break
		}
	}
	if up == nil {
		return
	}
	f.track(up, true)
	defer f.track(up, false)
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}
