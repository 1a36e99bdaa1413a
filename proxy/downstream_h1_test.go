package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The downstream HTTP/1 server (proxy/h1) seen through the whole proxy.

func rawConn(t *testing.T, u string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func TestDownstreamPipelinedAndChunked(t *testing.T) {
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s %q", r.Method, r.URL.Path, b, r.TransferEncoding)
	})
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	c, br := rawConn(t, u)
	fmt.Fprint(c, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"+
		"POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwasm\r\n4\r\nesh!\r\n0\r\n\r\n"+
		"PUT /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"+
		"GET /d HTTP/1.0\r\n\r\n")
	for _, want := range []string{`GET /a  []`, `POST /b wasmesh! ["chunked"]`, `PUT /c xyz []`, `GET /d  []`} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != want {
			t.Fatalf("got %d %q, want %q", resp.StatusCode, b, want)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("HTTP/1.0 request without keep-alive: connection stays open (%v)", err)
	}
}

func TestDownstreamSmugglingRefused(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	for _, raw := range []string{
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n",
	} {
		c, br := rawConn(t, u)
		fmt.Fprint(c, raw)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 400 || !resp.Close {
			t.Fatalf("%q: %v %v", raw, resp, err)
		}
	}
	if n := be.hits.Load(); n != 0 {
		t.Fatalf("backend saw %d requests", n)
	}
}

func TestDownstreamClientGoneCancelsUpstream(t *testing.T) {
	entered, canceled := make(chan struct{}), make(chan struct{})
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-r.Context().Done():
			close(canceled)
		case <-time.After(5 * time.Second):
		}
	})
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	c, _ := rawConn(t, u)
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	<-entered
	c.Close()
	select {
	case <-canceled:
	case <-time.After(3 * time.Second):
		t.Fatal("the upstream request outlived its client")
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case line := <-e.log.ch:
			if strings.Contains(line, " 499 DC ") {
				return
			}
		case <-deadline:
			t.Fatal("no access log line with 499 DC")
		}
	}
}

func TestDownstreamCodecHTTP1RefusesH2C(t *testing.T) {
	be := newBackend(t, "be", nil)
	l := strings.Replace(httpListener("l", ""), "stat_prefix: l", "stat_prefix: l\n      codec_type: HTTP1", 1)
	e := start(t, res(t, l), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	c, br := rawConn(t, u)
	fmt.Fprint(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusHTTPVersionNotSupported {
		t.Fatalf("%v %v", resp, err)
	}
	if _, body := get(t, u+"/x"); !strings.HasPrefix(body, "be ") {
		t.Fatalf("HTTP/1.1 still served: %q", body)
	}
}
