package h1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// start serves s on a loopback listener and returns its address.
func start(t *testing.T, s *Server) string {
	t.Helper()
	if s.ErrorLog == nil {
		s.ErrorLog = log.New(io.Discard, "", 0)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.ServeConn(context.Background(), c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		_ = s.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func readResp(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// echo answers with the method, body and trailer it received.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%s %s %s %s t=%s", r.Method, r.Host, r.URL.Path, b, r.Trailer.Get("X-T"))
})

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	addr := start(t, &Server{Handler: echo})
	c, br := dial(t, addr)
	fmt.Fprint(c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"+
		"POST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\n\r\nhello"+
		"POST /3 HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: tv\r\n\r\n"+
		"HEAD /4 HTTP/1.1\r\nHost: d\r\n\r\n"+
		"GET /5 HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n")
	for _, want := range []struct{ method, body string }{
		{"GET", "GET a /1  t="}, {"POST", "POST b /2 hello t="}, {"POST", "POST c /3 abcde t=tv"}, {"HEAD", ""}, {"GET", "GET e /5  t="},
	} {
		resp, body := readResp(t, br, want.method)
		if resp.StatusCode != 200 || body != want.body {
			t.Fatalf("%s: %d %q, want %q", want.method, resp.StatusCode, body, want.body)
		}
		if want.method == "HEAD" && resp.ContentLength != int64(len("HEAD d /4  t=")) {
			t.Fatalf("HEAD Content-Length %d", resp.ContentLength)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after Connection: close: %v", err)
	}
}

func TestResponseFraming(t *testing.T) {
	big := strings.Repeat("x", 10000)
	tests := []struct {
		name    string
		req     string
		handler http.HandlerFunc
		want    []string // substrings of the raw response
		not     []string
	}{
		{"small body gets a length", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") },
			[]string{"HTTP/1.1 200 OK\r\n", "Content-Length: 2\r\n", "Content-Type: text/plain; charset=utf-8\r\n", "Connection: close\r\n", "Date: ", "\r\n\r\nhi"},
			[]string{"chunked"}},
		{"large body is chunked", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) },
			[]string{"Transfer-Encoding: chunked\r\n", "\r\n\r\n2710\r\nxxxx", "x\r\n0\r\n\r\n"},
			[]string{"Content-Length"}},
		{"declared length", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "10000")
				w.Header().Set("Content-Type", "a/b")
				io.WriteString(w, big)
			},
			[]string{"Content-Length: 10000\r\n", "Content-Type: a/b\r\n", "\r\n\r\nxxxx"},
			[]string{"chunked"}},
		{"204 has no body", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "3")
				w.WriteHeader(204)
				if _, err := io.WriteString(w, "abc"); err != http.ErrBodyNotAllowed {
					panic(err)
				}
			},
			[]string{"HTTP/1.1 204 No Content\r\n"}, []string{"Content-Length", "chunked", "abc"}},
		{"304 keeps its length", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "7")
				w.WriteHeader(304)
			},
			[]string{"HTTP/1.1 304 Not Modified\r\n", "Content-Length: 7\r\n"}, []string{"chunked"}},
		{"http/1.0 unknown length closes", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) },
			[]string{"HTTP/1.1 200 OK\r\n", "Connection: close\r\n", "\r\n\r\nxxxx"}, []string{"chunked", "Content-Length"}},
		{"http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "k") },
			[]string{"Connection: keep-alive\r\n", "\r\n\r\nk", "Connection: close\r\n", "\r\n\r\nk"}, nil},
		{"trailers", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Trailer", "Grpc-Status")
				io.WriteString(w, "body")
				w.Header().Set("Grpc-Status", "0")
				w.Header().Set(http.TrailerPrefix+"X-Late", "1")
			},
			[]string{"Trailer: Grpc-Status\r\n", "Transfer-Encoding: chunked\r\n", "4\r\nbody\r\n0\r\n", "Grpc-Status: 0\r\n", "X-Late: 1\r\n"}, nil},
		{"flush commits to chunked", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "a")
				w.(http.Flusher).Flush()
				io.WriteString(w, "b")
			},
			[]string{"Transfer-Encoding: chunked\r\n", "1\r\na\r\n1\r\nb\r\n0\r\n\r\n"}, nil},
		{"values cannot split the response", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header()["X-Evil"] = []string{"a\r\nSet-Cookie: x"}
				w.Header()["Bad Name"] = []string{"v"}
			},
			[]string{"X-Evil: a  Set-Cookie: x\r\n", "Content-Length: 0\r\n"}, []string{"Bad Name"}},
		{"short body closes", "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "5")
				io.WriteString(w, "ab")
			},
			[]string{"Content-Length: 5\r\n", "\r\n\r\nab"}, nil}, // and the server closes
		{"informational", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", "</s.css>")
				w.WriteHeader(103)
				w.Header().Del("Link")
				io.WriteString(w, "ok")
			},
			[]string{"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n", "HTTP/1.1 200 OK\r\n", "\r\n\r\nok"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := start(t, &Server{Handler: tt.handler})
			c, _ := dial(t, addr)
			io.WriteString(c, tt.req)
			raw, err := io.ReadAll(c) // every case ends with the server closing
			if err != nil {
				t.Fatal(err)
			}
			s := string(raw)
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Fatalf("missing %q in\n%.300s", w, s)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(s, n) {
					t.Fatalf("unexpected %q in\n%.300s", n, s)
				}
			}
		})
	}
}

func TestRefusedRequestsAreAnsweredAndClosed(t *testing.T) {
	for raw, status := range map[string]string{
		"GET / HTTP/1.1\r\n\r\n": "400 Bad Request",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n": "400 Bad Request",
		"GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 70000) + "\r\n\r\n":            "431 Request Header Fields Too Large",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n":                                                      "505 HTTP Version Not Supported",
	} {
		addr := start(t, &Server{Handler: echo})
		c, _ := dial(t, addr)
		io.WriteString(c, raw)
		got, _ := io.ReadAll(c)
		if !strings.HasPrefix(string(got), "HTTP/1.1 "+status+"\r\n") || !strings.Contains(string(got), "Connection: close") {
			t.Fatalf("%.40q: got %q", raw, got)
		}
	}
}

func TestBadChunkedBodyClosesConnection(t *testing.T) {
	addr := start(t, &Server{Handler: echo})
	c, br := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
	resp, _ := readResp(t, br, "POST")
	if resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("connection kept after a malformed body: %v", err)
	}
}

func TestExpectContinue(t *testing.T) {
	addr := start(t, &Server{Handler: echo})
	c, br := dial(t, addr)
	io.WriteString(c, "PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim %q %v", line, err)
	}
	if l, _ := br.ReadString('\n'); l != "\r\n" {
		t.Fatalf("interim end %q", l)
	}
	io.WriteString(c, "data")
	if resp, body := readResp(t, br, "PUT"); resp.StatusCode != 200 || body != "PUT h /e data t=" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}

	// A handler that answers without reading: no 100, and the connection closes.
	addr = start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) })})
	c, br = dial(t, addr)
	io.WriteString(c, "PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	resp, _ := readResp(t, br, "PUT")
	if resp.StatusCode != 403 || !resp.Close {
		t.Fatalf("%d close=%v", resp.StatusCode, resp.Close)
	}
}

func TestUnreadBodyIsDrainedOrCloses(t *testing.T) {
	ignore := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	addr := start(t, &Server{Handler: ignore})
	c, br := dial(t, addr)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	for i := 0; i < 2; i++ {
		if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("%d: %d %q", i, resp.StatusCode, body)
		}
	}
	c, br = dial(t, addr)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", 1<<20)
	resp, _ := readResp(t, br, "POST")
	if !resp.Close {
		t.Fatal("a large unread body must close the connection")
	}
}

func TestHijack(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n') // was pipelined behind the request
		line2, _ := brw.ReadString('\n')
		conn.Write([]byte("echo:" + line + line2))
	})})
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nfirst\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	io.WriteString(c, "second\n")
	b, _ := io.ReadAll(br)
	if string(b) != "echo:first\nsecond\n" {
		t.Fatalf("%q", b)
	}
}

func TestClientGoneCancelsContext(t *testing.T) {
	got := make(chan error, 1)
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			got <- r.Context().Err()
		case <-time.After(5 * time.Second):
			got <- errors.New("not canceled")
		}
	})})
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(2 * watchDelay)
	c.Close()
	if err := <-got; err != context.Canceled {
		t.Fatal(err)
	}
}

func TestPipelinedRequestSurvivesWatch(t *testing.T) {
	// The watcher reads the first byte of a pipelined request while the
	// slow one is served; that byte must reach the parser.
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(5 * watchDelay)
		}
		io.WriteString(w, r.URL.Path)
	})})
	c, br := dial(t, addr)
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(2 * watchDelay)
	io.WriteString(c, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
	for _, p := range []string{"/slow", "/next"} {
		if _, body := readResp(t, br, "GET"); body != p {
			t.Fatalf("got %q want %q", body, p)
		}
	}
}

func TestShutdownDrainsInFlightAndClosesIdle(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	})}
	addr := start(t, s)
	idle, ibr := dial(t, addr)
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readResp(t, ibr, "GET")
	busy, bbr := dial(t, addr)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection not closed: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned before the request finished: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	resp, body := readResp(t, bbr, "GET")
	if body != "done" || !resp.Close {
		t.Fatalf("%q close=%v", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// ... and the server refuses new connections.
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("served after Shutdown")
	}
}

func TestShutdownTimesOut(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block })}
	addr := start(t, s)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatal(err)
	}
}

func TestIdleTimeout(t *testing.T) {
	addr := start(t, &Server{Handler: echo, IdleTimeout: 50 * time.Millisecond})
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readResp(t, br, "GET")
	start := time.Now()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("%v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("idle connection kept too long")
	}
}

func TestHeaderTimeout(t *testing.T) {
	addr := start(t, &Server{Handler: echo, ReadHeaderTimeout: 50 * time.Millisecond})
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHo")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("%v", err)
	}
}

func TestPanicsCloseTheConnection(t *testing.T) {
	var logged bytes.Buffer
	var mu sync.Mutex
	s := &Server{ErrorLog: log.New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	})}
	addr := start(t, s)
	for _, p := range []string{"/abort", "/boom"} {
		c, _ := dial(t, addr)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", p)
		if b, _ := io.ReadAll(c); len(b) != 0 {
			t.Fatalf("%s: a response was sent: %q", p, b)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logged.String(), "http: panic serving"); n != 1 || !strings.Contains(logged.String(), "boom") {
		t.Fatalf("log: %q", logged.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestH2CPrefaceIsHandedOver(t *testing.T) {
	got := make(chan string, 1)
	s := &Server{Handler: echo, HTTP2: func(ctx context.Context, c net.Conn, read []byte) {
		all := make([]byte, len(preface)+4)
		_, _ = io.ReadFull(io.MultiReader(bytes.NewReader(read), c), all)
		got <- string(all)
		c.Close()
	}}
	addr := start(t, s)
	c, _ := dial(t, addr)
	io.WriteString(c, preface[:10])
	time.Sleep(10 * time.Millisecond)
	io.WriteString(c, preface[10:]+"more")
	select {
	case g := <-got:
		if g != preface+"more" {
			t.Fatalf("%q", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not handed over")
	}
	// an HTTP/1 request that starts like the preface is still HTTP/1
	c, br := dial(t, addr)
	io.WriteString(c, "PRI /x HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp, body := readResp(t, br, "PRI"); resp.StatusCode != 200 || body != "PRI h /x  t=" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

func TestNetHTTPClient(t *testing.T) {
	addr := start(t, &Server{Handler: echo})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for i := 0; i < 3; i++ {
		resp, err := cl.Post("http://"+addr+"/p", "text/plain", io.MultiReader(strings.NewReader("chunk"), strings.NewReader("ed"))) // unknown length: chunked
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "POST "+addr+" /p chunked t=" || resp.ProtoMinor != 1 {
			t.Fatalf("%q", b)
		}
	}
}
