package cluster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

func testPool(t *testing.T) http.RoundTripper {
	t.Helper()
	return testCluster(t, &config.Cluster{Name: "c"}).Transport(1)
}

// countingServer is an httptest server counting its connections.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestH1PoolAgainstNetHTTP(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Method", r.Method)
			w.Header().Set("X-Query", r.URL.RawQuery)
			w.Header().Set("X-Host", r.Host)
			w.Header().Set("X-Te", strings.Join(r.TransferEncoding, ","))
			w.Header().Set("X-Ua", r.Header.Get("User-Agent"))
			w.Header()["X-Multi"] = r.Header["X-Multi"]
			w.Header().Set("Trailer", "X-Got-Trailer")
			w.Write(b)
			w.Header().Set("X-Got-Trailer", r.Trailer.Get("X-Checksum"))
		case "/head":
			w.Header().Set("Content-Length", "1234")
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		case "/hints":
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Link")
			io.WriteString(w, "after hints")
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 200<<10)) // chunked by net/http
		}
	}))
	rt := testPool(t)
	do := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp, string(b)
	}

	// a body of known length, repeated header values, query, Host
	req, _ := http.NewRequest("PUT", srv.URL+"/echo?a=1&b=%20", strings.NewReader("payload"))
	req.Host = "svc.example:8080"
	req.Header["X-Multi"] = []string{"1", "2"}
	req.Header["User-Agent"] = nil
	resp, body := do(req)
	if body != "payload" || resp.Header.Get("X-Method") != "PUT" || resp.Header.Get("X-Query") != "a=1&b=%20" ||
		resp.Header.Get("X-Host") != "svc.example:8080" || resp.Header.Get("X-Te") != "" || resp.Header.Get("X-Ua") != "" ||
		strings.Join(resp.Header["X-Multi"], ",") != "1,2" {
		t.Fatalf("echo: %q %v", body, resp.Header)
	}

	// a body of unknown length goes chunked, with trailers both ways
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("part1-"))
		time.Sleep(10 * time.Millisecond)
		pw.Write([]byte("part2"))
		pw.Close()
	}()
	req, _ = http.NewRequest("POST", srv.URL+"/echo", pr)
	req.ContentLength = -1
	req.Trailer = http.Header{"X-Checksum": {"abc"}}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resp.Trailer["X-Got-Trailer"]; !ok {
		t.Fatalf("declared trailer not announced before the body: %v", resp.Trailer)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "part1-part2" || resp.Header.Get("X-Te") != "chunked" || resp.Trailer.Get("X-Got-Trailer") != "abc" {
		t.Fatalf("chunked: %q te %q trailer %v", b, resp.Header.Get("X-Te"), resp.Trailer)
	}

	// HEAD, 204, 304: no body, connection kept
	req, _ = http.NewRequest("HEAD", srv.URL+"/head", nil)
	resp, body = do(req)
	if resp.ContentLength != 1234 || body != "" || resp.Body != http.NoBody {
		t.Fatalf("HEAD: length %d body %q", resp.ContentLength, body)
	}
	for _, p := range []string{"/204", "/304"} {
		req, _ = http.NewRequest("GET", srv.URL+p, nil)
		if resp, body = do(req); body != "" || resp.StatusCode != map[string]int{"/204": 204, "/304": 304}[p] {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
	// informational responses are skipped; Expect: 100-continue as today
	req, _ = http.NewRequest("GET", srv.URL+"/hints", nil)
	if resp, body = do(req); resp.StatusCode != 200 || body != "after hints" || resp.Header.Get("Link") != "" {
		t.Fatalf("hints: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	req, _ = http.NewRequest("POST", srv.URL+"/echo", strings.NewReader("expecting"))
	req.Header.Set("Expect", "100-continue")
	if resp, body = do(req); body != "expecting" {
		t.Fatalf("100-continue: %d %q", resp.StatusCode, body)
	}
	// a large chunked response
	req, _ = http.NewRequest("GET", srv.URL+"/big", nil)
	if resp, body = do(req); len(body) != 200<<10 || resp.ContentLength != -1 {
		t.Fatalf("big: %d bytes, length %d", len(body), resp.ContentLength)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for sequential requests, want 1", n)
	}
}

func TestH1PoolRefusesInvalidRequests(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rt := testPool(t)
	for name, mod := range map[string]func(*http.Request){
		"CRLF in value":  func(r *http.Request) { r.Header.Set("X-A", "a\r\nX-Injected: 1") },
		"bad name":       func(r *http.Request) { r.Header["X A"] = []string{"1"} },
		"bad method":     func(r *http.Request) { r.Method = "GE T" },
		"bad host":       func(r *http.Request) { r.Host = "a b" },
		"space in query": func(r *http.Request) { r.URL.RawQuery = "a=b c" },
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		mod(req)
		if resp, err := rt.RoundTrip(req); !errors.Is(err, errBadRequest) {
			t.Errorf("%s: resp %v err %v, want a refusal", name, resp, err)
		}
	}
	if n := conns.Load(); n > 1 {
		t.Errorf("refusals retried on %d connections", n)
	}
}

// rawServer answers each request, on whichever connection, with the next
// of replies, verbatim; after a reply ending in closeMark it closes the
// connection.
func rawServer(t *testing.T, replies ...string) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int64)
	var next atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					i := int(next.Add(1)) - 1
					if i >= len(replies) {
						return
					}
					reply := replies[i]
					io.Copy(io.Discard, req.Body)
					r, closing := strings.CutSuffix(reply, closeMark)
					if _, err := io.WriteString(c, r); err != nil || closing {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), conns
}

const closeMark = "\x00close"

func get(t *testing.T, rt http.RoundTripper, addr string) (*http.Response, string, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func TestH1PoolOddFramings(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	tests := []struct {
		name    string
		reply   string
		body    string // with wantErr false
		wantErr bool
		reused  bool // the next request reuses the connection
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "abc", false, true},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\nX-T: 1\r\n\r\n", "abc", false, true},
		{"close-delimited", "HTTP/1.1 200 OK\r\n\r\nuntil close" + closeMark, "until close", false, false},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", "x", false, false},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", "x", false, false},
		{"extra bytes after the body", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n", "x", false, false},
		{"100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", "x", false, true},
		{"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "", true, false},
		{"conflicting CL", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", "", true, false},
		{"unknown coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nx", "", true, false},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc" + closeMark, "", true, false},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "", true, false},
		{"too many 1xx", strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 10) + ok, "", true, false},
		{"garbage", "SSH-2.0-OpenSSH\r\n\r\n", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, conns := rawServer(t, tt.reply, ok)
			rt := testPool(t)
			resp, body, err := get(t, rt, addr)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("accepted: %d %q", resp.StatusCode, body)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if body != tt.body {
					t.Fatalf("body %q, want %q", body, tt.body)
				}
			}
			if _, body, err := get(t, rt, addr); err != nil || body != "ok" {
				t.Fatalf("next request: %q %v", body, err)
			}
			if reused := conns.Load() == 1; reused != tt.reused {
				t.Errorf("connection reused %v, want %v", reused, tt.reused)
			}
		})
	}
}

// stallServer sends the head (and start) of a response and then nothing.
func stallServer(t *testing.T, start string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, start)
				<-done
			}()
		}
	}()
	return ln.Addr().String()
}

func TestH1PoolCancellation(t *testing.T) {
	stallHead := stallServer(t, "")
	stallBody := stallServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
	rt := testPool(t)
	roundTrip := func(ctx context.Context, addr string) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	}
	for _, tt := range []struct {
		name   string
		addr   string
		cancel time.Duration // cancel after, or a context deadline with timeout
		dl     bool
		want   error
	}{
		{"cancel before the watch", stallHead, 5 * time.Millisecond, false, context.Canceled},
		{"cancel while watched", stallHead, 60 * time.Millisecond, false, context.Canceled},
		{"deadline before the watch", stallHead, 10 * time.Millisecond, true, context.DeadlineExceeded},
		{"deadline while watched", stallHead, 60 * time.Millisecond, true, context.DeadlineExceeded},
		{"cancel during the body", stallBody, 60 * time.Millisecond, false, context.Canceled},
		{"deadline during the body", stallBody, 60 * time.Millisecond, true, context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if tt.dl {
				ctx, cancel = context.WithTimeout(context.Background(), tt.cancel)
			} else {
				time.AfterFunc(tt.cancel, cancel)
			}
			defer cancel()
			start := time.Now()
			err := roundTrip(ctx, tt.addr)
			took := time.Since(start)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if took < tt.cancel || took > tt.cancel+watchDelay+time.Second {
				t.Fatalf("returned after %v for a cancellation at %v", took, tt.cancel)
			}
		})
	}
}

// Exchanges slower than the watch delay continue under the context: a
// large upload the server reads late, a response streamed slowly.
func TestH1PoolOutlivesTheWatchDelay(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/upload":
			time.Sleep(3 * watchDelay)
			n, _ := io.Copy(io.Discard, r.Body)
			w.Header().Set("X-Got", strconv.FormatInt(n, 10))
		case "/stream":
			for i := 0; i < 3; i++ {
				io.WriteString(w, "tick ")
				w.(http.Flusher).Flush()
				time.Sleep(watchDelay + 10*time.Millisecond)
			}
		}
	}))
	rt := testPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 2; i++ { // the second exchange reuses the connection
		const size = 32 << 20
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/upload", bytes.NewReader(make([]byte, size)))
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Got"); got != strconv.Itoa(size) {
			t.Fatalf("server read %s bytes, want %d", got, size)
		}
		req, _ = http.NewRequestWithContext(ctx, "GET", srv.URL+"/stream", nil)
		resp, err = rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != "tick tick tick " {
			t.Fatalf("stream: %q %v", b, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1 (reused after a watched exchange)", n)
	}
}

// A request timing out on a reused connection is not retried on another.
func TestH1PoolTimeoutNotRetried(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(300 * time.Millisecond)
		}
	}))
	rt := testPool(t)
	if _, _, err := get(t, rt, strings.TrimPrefix(srv.URL, "http://")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{watchDelay / 2, 2 * watchDelay} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/slow", strings.NewReader("replayable"))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("replayable")), nil }
		_, err := rt.RoundTrip(req)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("timeout %v: err %v", d, err)
		}
		if _, _, err := get(t, rt, strings.TrimPrefix(srv.URL, "http://")); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3 (one per timed-out request, no retries)", n)
	}
}
