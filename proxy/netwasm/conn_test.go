package netwasm

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/httpx"
	"github.com/wasmesh/wasmesh/wasm/host"
)

// TestDataBothWaysRewritten: the guest sees the downstream and upstream
// bytes, its rewrites reach the upstream and the client, and it hears the
// end of stream and both closes.
func TestDataBothWaysRewritten(t *testing.T) {
	h, lb := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "tap", Plugin: load(t, h, "tap", "log,upper,one", host.FailClose)}})
	c, up := through(t, ch)
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, c, 5); got != "HE11O" {
		t.Fatalf("client got %q, want HE11O (upper-cased downstream, L->1 upstream)", got)
	}
	if got := up.received(); got != "HELLO" {
		t.Fatalf("upstream got %q, want HELLO", got)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
		t.Fatalf("after the half-close: %q, %v; want EOF", rest, err)
	}
	waitFor(t, "the streams to end", func() bool { return strings.Contains(lb.String(), "tcpguest done") })
	log := lb.String()
	for _, want := range []string{`tcpguest new`, `tcpguest down \"hello\" eos=false`, `tcpguest up \"HELLO\" eos=false`,
		`tcpguest down \"\" eos=true`, `tcpguest up \"\" eos=true`, "tcpguest upclose 2", "tcpguest downclose 2"} {
		if !strings.Contains(log, want) {
			t.Errorf("guest log lacks %s", want)
		}
	}
	order := []string{"tcpguest new", "tcpguest down", "tcpguest upclose", "tcpguest downclose", "tcpguest done"}
	last := -1
	for _, o := range order {
		i := strings.Index(log, o)
		if i < last {
			t.Errorf("%q logged out of order (want %v)", o, order)
		}
		last = i
	}
}

// TestTwoFiltersInOrder: downstream bytes go through the filters in
// order, upstream bytes in reverse order (Envoy's read and write filters).
func TestTwoFiltersInOrder(t *testing.T) {
	h, lb := newHost(t)
	ch := NewChain(nil, []Filter{
		{Name: "first", Plugin: load(t, h, "first", "log,upper", host.FailClose)},
		{Name: "second", Plugin: load(t, h, "second", "log,one", host.FailClose)},
	})
	c, _ := through(t, ch)
	_, _ = c.Write([]byte("all"))
	if got := readN(t, c, 3); got != "A11" {
		t.Fatalf("client got %q, want A11", got)
	}
	log := lb.String()
	// second saw the bytes first rewrote, and first saw the bytes second rewrote
	for _, want := range []string{`msg="tcpguest down \"ALL\" eos=false" plugin=second`, `msg="tcpguest up \"A11\" eos=false" plugin=first`} {
		if !strings.Contains(log, want) {
			t.Errorf("guest log lacks %s", want)
		}
	}
}

// TestPauseHoldsUntilNewline: a filter returning PAUSE holds the bytes;
// later bytes are appended and offered again; nothing reaches the upstream
// until the filter continues.
func TestPauseHoldsUntilNewline(t *testing.T) {
	h, _ := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "hold", Plugin: load(t, h, "hold", "hold,upper", host.FailClose)}})
	c, up := through(t, ch)
	_, _ = c.Write([]byte("ab"))
	<-up.accepted
	time.Sleep(150 * time.Millisecond)
	if got := up.received(); got != "" {
		t.Fatalf("upstream got %q while the filter paused", got)
	}
	_, _ = c.Write([]byte("c\n"))
	if got := readN(t, c, 4); got != "ABC\n" {
		t.Fatalf("client got %q, want ABC\\n", got)
	}
	if got := up.received(); got != "ABC\n" {
		t.Fatalf("upstream got %q, want ABC\\n", got)
	}
}

// TestPauseNewConnectionThenContinue: a filter pausing the new connection
// holds the upstream connect until it calls proxy_continue_stream (from its
// tick, on the connection's context).
func TestPauseNewConnectionThenContinue(t *testing.T) {
	h, lb := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "gate", Plugin: load(t, h, "gate", "log,pausenew", host.FailClose)}})
	c, _ := through(t, ch)
	_, _ = c.Write([]byte("x"))
	if got := readN(t, c, 1); got != "x" {
		t.Fatalf("client got %q", got)
	}
	log := lb.String()
	cont, down := strings.Index(log, "tcpguest continue"), strings.Index(log, "tcpguest down")
	if cont < 0 || down < 0 || cont > down {
		t.Fatalf("want the tick's continue before the first data (continue at %d, data at %d)", cont, down)
	}
}

// TestGuestClosesConnection: proxy_close_stream from the downstream and
// from the upstream direction closes the connection; the bytes that
// triggered it go nowhere.
func TestGuestClosesConnection(t *testing.T) {
	h, lb := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "closer", Plugin: load(t, h, "closer", "log,quit,bye", host.FailClose)}})
	up := newEcho(t)
	addr := relay(t, ch, up.ln.Addr().String())

	c := dial(t, addr)
	_, _ = c.Write([]byte("hi"))
	if got := readN(t, c, 2); got != "hi" {
		t.Fatalf("client got %q", got)
	}
	_, _ = c.Write([]byte("quit"))
	if rest, _ := io.ReadAll(c); len(rest) != 0 {
		t.Fatalf("after quit the client got %q", rest)
	}
	<-up.closed
	if got := up.received(); got != "hi" {
		t.Fatalf("upstream got %q; the quit bytes must not pass", got)
	}
	waitFor(t, "the downstream close", func() bool { return strings.Contains(lb.String(), "tcpguest downclose 1") })

	up.send <- "bye"
	c2 := dial(t, addr)
	if rest, _ := io.ReadAll(c2); len(rest) != 0 {
		t.Fatalf("the client got %q; the upstream's bye must close the connection", rest)
	}
}

// TestFailStrategyWithoutInstance: a plugin that has no instance (closed)
// lets connections through untouched with fail_open and closes them with
// fail_close, before the upstream is dialled.
func TestFailStrategyWithoutInstance(t *testing.T) {
	h, _ := newHost(t)
	for _, c := range []struct {
		name string
		fail host.FailStrategy
		pass bool
	}{{"fail_open", host.FailOpen, true}, {"fail_close", host.FailClose, false}} {
		t.Run(c.name, func(t *testing.T) {
			p := load(t, h, "gone-"+c.name, "upper", c.fail)
			if err := p.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			up := newEcho(t)
			conn := dial(t, relay(t, NewChain(nil, []Filter{{Name: "gone", Plugin: p}}), up.ln.Addr().String()))
			_, _ = conn.Write([]byte("abc"))
			got, _ := io.ReadAll(io.LimitReader(conn, 3))
			if c.pass && string(got) != "abc" {
				t.Fatalf("fail_open: client got %q, want abc unchanged", got)
			}
			if !c.pass {
				if len(got) != 0 {
					t.Fatalf("fail_close: client got %q, want the connection closed", got)
				}
				select {
				case <-up.accepted:
					t.Fatal("fail_close: the upstream was dialled")
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
}

// TestFailStrategyOnCrash: a guest that crashes mid-connection: fail_open
// lets the bytes through unfiltered, fail_close closes the connection.
func TestFailStrategyOnCrash(t *testing.T) {
	h, _ := newHost(t)
	for _, c := range []struct {
		name string
		fail host.FailStrategy
		pass bool
	}{{"fail_open", host.FailOpen, true}, {"fail_close", host.FailClose, false}} {
		t.Run(c.name, func(t *testing.T) {
			up := newEcho(t)
			ch := NewChain(nil, []Filter{{Name: "crash", Plugin: load(t, h, "crash-"+c.name, "upper,boom", c.fail)}})
			conn := dial(t, relay(t, ch, up.ln.Addr().String()))
			_, _ = conn.Write([]byte("ok"))
			if got := readN(t, conn, 2); got != "OK" {
				t.Fatalf("before the crash: %q", got)
			}
			_, _ = conn.Write([]byte("boom"))
			got, _ := io.ReadAll(io.LimitReader(conn, 4))
			switch {
			case c.pass && string(got) != "boom":
				t.Fatalf("fail_open: client got %q, want boom unfiltered", got)
			case !c.pass && len(got) != 0:
				t.Fatalf("fail_close: client got %q, want the connection closed", got)
			}
		})
	}
}

// TestPauseUpstreamThenContinue: upstream bytes a filter holds reach the
// client once it calls proxy_continue_stream(UPSTREAM) from its tick.
func TestPauseUpstreamThenContinue(t *testing.T) {
	h, lb := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "slow", Plugin: load(t, h, "slow", "log,holdup", host.FailClose)}})
	c, _ := through(t, ch)
	_, _ = c.Write([]byte("late"))
	if got := readN(t, c, 4); got != "late" {
		t.Fatalf("client got %q", got)
	}
	log := lb.String()
	held, cont := strings.Index(log, `tcpguest up \"late\"`), strings.Index(log, "tcpguest continue-up")
	if held < 0 || cont < held {
		t.Fatalf("want the bytes held, then continued by the tick (held at %d, continue at %d)", held, cont)
	}
}

// TestReadDeadlineWhileHeld: the read deadline (tcp_proxy's idle timeout)
// holds while a filter keeps the bytes, even after the client's end of
// stream, when no socket read is pending any more.
func TestReadDeadlineWhileHeld(t *testing.T) {
	h, _ := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "hold", Plugin: load(t, h, "hold-deadline", "hold", host.FailClose)}})
	client, server := net.Pipe()
	defer client.Close()
	c, err := ch.Open(t.Context(), server, &httpx.ConnInfo{Local: server.LocalAddr(), Remote: server.RemoteAddr()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		_, _ = client.Write([]byte("no newline"))
		_ = client.Close() // end of stream while the filter holds the bytes
	}()
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	start := time.Now()
	n, err := c.Read(make([]byte, 64))
	if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %d, %v; want the deadline", n, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the deadline took %v", d)
	}
}

// TestConnectionProperties: the guest reads the connection's properties
// with Envoy's encodings (strings raw, integers 8-byte little-endian).
func TestConnectionProperties(t *testing.T) {
	h, lb := newHost(t)
	ch := NewChain(nil, []Filter{{Name: "props", Plugin: load(t, h, "props", "props", host.FailClose)}})
	up := newEcho(t)
	addr := relay(t, ch, up.ln.Addr().String())
	c := dial(t, addr)
	_, _ = c.Write([]byte("x"))
	readN(t, c, 1)
	_, port, _ := net.SplitHostPort(addr)
	log := lb.String()
	for _, want := range []string{
		"tcpguest props source=" + c.LocalAddr().String() + " destination_port=" + port + " id=1 direction=1 chain=relay-chain mtls=[0]",
		"tcpguest props upstream=" + up.ln.Addr().String(),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("guest log lacks %q", want)
		}
	}
}
