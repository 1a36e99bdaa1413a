package netwasm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wasmesh/wasmesh/internal/syncbuf"
	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

var (
	guestOnce sync.Once
	guestWasm []byte
	guestErr  error
	cacheDir  string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmesh-netwasm-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	if code == 0 {
		// every connection's goroutines (reader, held-upstream writers) ended
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// tcpGuest builds testdata/tcpguest once per test binary.
func tcpGuest(t testing.TB) []byte {
	t.Helper()
	guestOnce.Do(func() {
		out := filepath.Join(cacheDir, "tcpguest.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/tcpguest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			guestErr = errors.New(cmd.String() + ": " + err.Error() + "\n" + string(b) + "(needs the Go toolchain)")
			return
		}
		guestWasm, guestErr = os.ReadFile(out)
	})
	if guestErr != nil {
		t.Fatal(guestErr)
	}
	return guestWasm
}

// newHost starts a Wasm host logging into the returned buffer.
func newHost(t testing.TB) (*host.Host, *syncbuf.Buffer) {
	t.Helper()
	lb := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := host.New(context.Background(), host.Config{Logger: log, CacheDir: filepath.Join(cacheDir, "compiled")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("close host: %v", err)
		}
		if t.Failed() {
			t.Logf("host log:\n%s", syncbuf.Tail(lb.String(), 8000))
		}
	})
	return h, lb
}

// load loads the test guest with a behaviour list (see testdata/tcpguest).
func load(t testing.TB, h *host.Host, name, behaviours string, fail host.FailStrategy) *host.Plugin {
	t.Helper()
	p, err := h.Load(context.Background(), host.PluginConfig{Name: name, Module: tcpGuest(t),
		Configuration: []byte(behaviours), Fail: fail, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// echo is an upstream that echoes what it reads and records all of it.
type echo struct {
	ln       net.Listener
	mu       sync.Mutex
	got      strings.Builder
	accepted chan struct{}
	closed   chan struct{} // a connection ended
	send     chan string   // bytes to send unprompted on the next connection
}

func newEcho(t testing.TB) *echo {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{ln: ln, accepted: make(chan struct{}, 16), closed: make(chan struct{}, 16), send: make(chan string, 1)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.accepted <- struct{}{}
			go e.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return e
}

func (e *echo) serve(c net.Conn) {
	defer func() { e.closed <- struct{}{} }()
	defer c.Close()
	select {
	case s := <-e.send:
		_, _ = c.Write([]byte(s))
	default:
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			e.mu.Lock()
			e.got.Write(buf[:n])
			e.mu.Unlock()
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (e *echo) received() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.got.String()
}

// relay is a minimal tcp_proxy over a chain: it accepts, opens the chain,
// dials the upstream and copies both ways with half-closes.
// through starts an echo upstream and a relay to it through ch, and dials
// the relay.
func through(t testing.TB, ch *Chain) (*net.TCPConn, *echo) {
	t.Helper()
	up := newEcho(t)
	return dial(t, relay(t, ch, up.ln.Addr().String())), up
}

func relay(t testing.TB, ch *Chain, upstream string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for id := uint64(1); ; id++ {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				c, err := ch.Open(ctx, down, &httpx.ConnInfo{ID: id, Local: down.LocalAddr(), Remote: down.RemoteAddr(), Direction: "INBOUND",
					Listener: "relay", ChainName: "relay-chain"})
				if err != nil {
					return
				}
				defer c.Close()
				up, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				c.UpstreamConnected(upstream)
				var pw sync.WaitGroup
				pw.Add(1)
				go func() {
					defer pw.Done()
					if _, err := io.Copy(up, c); err != nil {
						up.Close()
						return
					}
					_ = up.(*net.TCPConn).CloseWrite()
				}()
				_, err = io.Copy(c, up)
				if err == nil {
					err = c.CloseWrite()
				}
				if err != nil {
					c.Close()
				}
				pw.Wait()
				up.Close()
				c.UpstreamClosed(abi.PeerRemote)
			}()
		}
	}()
	return ln.Addr().String()
}

// dial connects to addr with a deadline for the whole test step.
func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// readN reads exactly n bytes.
func readN(t testing.TB, c net.Conn, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read %d bytes: %v (got %q)", n, err, b)
	}
	return string(b)
}

// waitFor polls f for up to 5 s.
func waitFor(t testing.TB, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
